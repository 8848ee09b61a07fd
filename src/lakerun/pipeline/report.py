"""What a layer run reports: rows in and out, per-expectation counts, table version, duration, provenance."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from lakerun import __version__


@dataclass(frozen=True)
class ExpectationOutcome:
    """How many rows failed one expectation, and what was done with them."""

    name: str
    type: str
    action: str
    failed_rows: int


@dataclass
class LayerResult:
    """The outcome of one table run, printed, returned as the task's exit value and sent as events."""

    pipeline: str
    layer: str
    engine: str
    config_hash: str
    name: str = ""
    """The pipeline's name for the table (its layer's name in the single-chain form)."""
    status: str = "SUCCESS"
    rows_in: int = 0
    rows_out: int = 0
    rows_dropped: int = 0
    rows_quarantined: int = 0
    expectations: list[ExpectationOutcome] = field(default_factory=list)
    duration_seconds: float = 0.0
    table: str = ""
    table_version: int | None = None
    quarantine_version: int | None = None
    watermark: str | None = None
    refresh: str = "incremental"
    skipped: bool = False
    """True when the table's definition and inputs were unchanged since its last commit: nothing was read."""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    lakerun_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


class Progress(Protocol):
    """Where a layer run reports what it is doing (terminal, control-plane callbacks, nothing)."""

    def stage(self, layer: str, message: str, fraction: float) -> None:
        """A step of the layer began; `fraction` is the share of the layer's work already done."""

    def finished(self, result: LayerResult) -> None:
        """The layer ended (successfully or not)."""


class SilentProgress:
    """Progress that goes nowhere (library use and tests)."""

    def stage(self, layer: str, message: str, fraction: float) -> None:
        """Ignored."""

    def finished(self, result: LayerResult) -> None:
        """Ignored."""


class FanOutProgress:
    """Progress sent to several listeners in turn."""

    def __init__(self, *listeners: Progress) -> None:
        self.listeners = listeners

    def stage(self, layer: str, message: str, fraction: float) -> None:
        """Forwarded to every listener."""
        for listener in self.listeners:
            listener.stage(layer, message, fraction)

    def finished(self, result: LayerResult) -> None:
        """Forwarded to every listener."""
        for listener in self.listeners:
            listener.finished(result)
