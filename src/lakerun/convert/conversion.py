"""The deterministic converter: a NiFi file (or parsed flow) → notebooks, job definition, human requests, report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakerun.convert.generate import STATUSES, Generated, Outcome, Settings, generate
from lakerun.convert.graph import build_graph
from lakerun.convert.jobspec import job_definition
from lakerun.convert.model import Flow
from lakerun.convert.plan import Plan, build_plan, slugify
from lakerun.convert.steps import FLAGGED, MANUAL

JOB_FILE = "job.json"
REPORT_FILE = "conversion.json"


@dataclass
class HumanRequest:
    """Something only a person can settle, tied to the processor and notebook where it shows."""

    number: int
    processor_id: str
    processor: str
    kind: str
    notebook: str
    status: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The request as data."""
        return dict(self.__dict__)


@dataclass
class Conversion:
    """Everything one conversion produced."""

    flow: Flow
    plan: Plan
    notebooks: dict[str, str]
    job: dict[str, Any]
    outcomes: list[Outcome]
    secrets: list[str]
    requests: list[HumanRequest] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Processors per outcome status."""
        return {status: sum(1 for o in self.outcomes if o.status == status) for status in STATUSES}

    @property
    def coverage(self) -> float:
        """Share of processors that got working code (converted, flagged for review, or dropped with a note)."""
        total = len(self.outcomes)
        return 1.0 if total == 0 else (total - self.counts()[MANUAL]) / total

    def report(self) -> dict[str, Any]:
        """The conversion's figures and findings as data."""
        return {
            "flow": self.flow.summary(),
            "plan": self.plan.to_dict(),
            "counts": self.counts(),
            "coverage": round(self.coverage, 4),
            "notebooks": sorted(self.notebooks),
            "secrets": [{"scope_parameter": "secret_scope", "key": key} for key in self.secrets],
            "human_requests": [request.to_dict() for request in self.requests],
            "processors": [outcome.to_dict() for outcome in self.outcomes],
        }

    def write(self, folder: str | Path) -> list[Path]:
        """Writes notebooks, `job.json` and `conversion.json` into a folder (a Volume path on Databricks)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, source in self.notebooks.items():
            path = folder / name
            path.write_text(source)
            written.append(path)
        for name, data in ((JOB_FILE, self.job), (REPORT_FILE, self.report())):
            path = folder / name
            path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
            written.append(path)
        return written


def convert(flow: Flow, settings: Settings | None = None, held: dict[str, str] | None = None) -> Conversion:
    """Converts a parsed flow; a data cycle raises FlowGraphError naming it.

    `held` maps processor ids to the reason a previous validation gave: they become human requests.
    """
    settings = settings or Settings()
    graph = build_graph(flow)
    plan = build_plan(graph)
    generated: Generated = generate(graph, plan, settings, held)
    folder = f"{settings.notebook_root.rstrip('/')}/{slugify(flow.name)}"
    job = job_definition(graph, plan, folder, generated.parameters)
    requests = [
        HumanRequest(n, o.processor_id, o.name, o.kind, o.stage + ".py", o.status, o.reason or "")
        for n, o in enumerate((o for o in generated.outcomes if o.status in (FLAGGED, MANUAL)), start=1)
    ]
    return Conversion(flow, plan, generated.notebooks, job, generated.outcomes, generated.secrets, requests)
