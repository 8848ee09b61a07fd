"""The conversion agent: parse → plan → generate → validate, iterating on what validation finds.

`ConversionAgent` is the contract: a team can plug in another agent (one backed by a model endpoint,
say) that takes the same request and reports through the same progress sink.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lakerun.convert.conversion import Conversion, convert
from lakerun.convert.errors import ConvertError
from lakerun.convert.generate import Settings
from lakerun.convert.reader import read_flow
from lakerun.convert.validate import Finding, Validation, validate

NEEDS_ATTENTION = "NEEDS_ATTENTION"
DONE = "DONE"
FAILED = "FAILED"
RunCheck = Callable[[Conversion], list[Finding]]


@dataclass(frozen=True)
class AgentRequest:
    """Seed 004's agent parameters, plus the conversion settings."""

    flow_id: str
    nifi_path: str
    output_path: str
    attempt_id: str = ""
    settings: Settings = field(default_factory=Settings)
    max_iterations: int = 3


@dataclass
class AgentResult:
    """What an agent reports when it is done; the same shape whatever agent produced it."""

    status: str
    iterations: list[dict[str, Any]] = field(default_factory=list)
    validation_percentage: float = 0.0
    coverage: float = 0.0
    notebooks: list[str] = field(default_factory=list)
    human_requests: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as the attempt's result payload."""
        return {
            "status": self.status,
            "iterations": len(self.iterations),
            "iteration_summaries": self.iterations,
            "validation_percentage": self.validation_percentage,
            "coverage": self.coverage,
            "generated_notebooks": self.notebooks,
            "human_requests": self.human_requests,
            "error": self.error,
        }


class Progress(Protocol):
    """Where an agent reports each step: fraction done, a message, and figures so far."""

    def __call__(self, fraction: float, message: str, figures: dict[str, Any] | None = None) -> None: ...


class ConversionAgent(Protocol):
    """An agent that turns one NiFi flow into notebooks and a job under `output_path`."""

    name: str

    def run(self, request: AgentRequest, progress: Progress) -> AgentResult: ...


def no_progress(fraction: float, message: str, figures: dict[str, Any] | None = None) -> None:
    """A progress sink that ignores everything."""


@dataclass
class DeterministicAgent:
    """lakerun's catalogue-driven agent: every iteration holds back what failed validation as a human request."""

    run_check: RunCheck | None = None
    name: str = "lakerun-catalogue"

    def run(self, request: AgentRequest, progress: Progress = no_progress) -> AgentResult:
        """Runs the loop and writes the notebooks, `job.json` and `conversion.json` to the output path."""
        progress(0.05, f"parse {request.nifi_path}")
        try:
            flow = read_flow(request.nifi_path)
            progress(
                0.15, f"plan: {len(flow.processors)} processors in {len(flow.groups)} groups", flow.summary()
            )
            result, conversion = self._iterate(flow, request, progress)
        except ConvertError as exc:
            return AgentResult(FAILED, error=str(exc))
        written = conversion.write(request.output_path)
        result.notebooks = [str(path) for path in written if path.suffix == ".py"]
        progress(
            1.0,
            f"{result.status}: {len(result.notebooks)} notebooks in {request.output_path}",
            result.to_dict(),
        )
        return result

    def _iterate(
        self, flow: Any, request: AgentRequest, progress: Progress
    ) -> tuple[AgentResult, Conversion]:
        held: dict[str, str] = {}
        summaries: list[dict[str, Any]] = []
        for number in range(1, request.max_iterations + 1):
            started = time.monotonic()
            base = 0.15 + 0.8 * (number - 1) / request.max_iterations
            progress(base, f"iteration {number}: generate")
            conversion = convert(flow, request.settings, held)
            progress(base + 0.1, f"iteration {number}: validate")
            validation = self._validate(conversion)
            fixable = {
                f.processor_id: f"{f.check}: {f.message}"
                for f in validation.findings
                if f.processor_id and f.processor_id not in held
            }
            summary = _summary(number, conversion, validation, fixable, time.monotonic() - started)
            summaries.append(summary)
            progress(
                base + 0.2,
                f"iteration {number}: {validation.percentage}% of checks passed",
                {"iterations": number, "iteration": summary},
            )
            if not fixable:
                break
            held.update(fixable)
        status = DONE if validation.failed == 0 and not conversion.requests else NEEDS_ATTENTION
        result = AgentResult(
            status,
            summaries,
            validation.percentage,
            round(conversion.coverage, 4),
            human_requests=[r.to_dict() for r in conversion.requests],
        )
        return result, conversion

    def _validate(self, conversion: Conversion) -> Validation:
        validation = validate(conversion.notebooks, conversion.job)
        if self.run_check is None:
            validation.skipped.append("run")
            return validation
        findings = self.run_check(conversion)
        validation.findings += findings
        validation.record(not findings)
        return validation


def _summary(
    number: int, conversion: Conversion, validation: Validation, fixed: dict[str, str], seconds: float
) -> dict[str, Any]:
    return {
        "iteration": number,
        "counts": conversion.counts(),
        "coverage": round(conversion.coverage, 4),
        "validation": validation.to_dict(),
        "held_back": fixed,
        "seconds": round(seconds, 3),
    }


def output_files(folder: str | Path) -> list[str]:
    """The generated notebooks in an output folder."""
    return sorted(path.name for path in Path(folder).glob("*.py"))
