"""What the dashboard shows of an attempt: the API's fields plus what is running now, its message and an ETA."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lakerun.control.plane import ControlPlane
from lakerun.control.reads import LiveSignals, live_signals
from lakerun.control.records import Attempt, Subject
from lakerun.control.status import ACTIVE, Status
from lakerun.server.runs.schemas import AttemptOut

WAITING_RAW_STATES = ("PENDING", "QUEUED", "BLOCKED", "WAITING_FOR_RETRY")


@dataclass
class AttemptView:
    """An attempt as a row or a run page renders it."""

    attempt: AttemptOut
    current_task: str | None = None
    live_message: str | None = None
    eta_seconds: float | None = None

    @property
    def active(self) -> bool:
        """True while the attempt can still change."""
        return Status(self.attempt.status) in ACTIVE

    @property
    def waiting_for_compute(self) -> bool:
        """True while the run is committed but not yet executing (queued, or compute still starting)."""
        raw = (self.attempt.raw_state or "").upper()
        if self.attempt.status in (Status.CREATING, Status.QUEUED):
            return True
        return self.attempt.status == Status.RUNNING and raw.startswith(WAITING_RAW_STATES)

    @property
    def elapsed_seconds(self) -> float | None:
        """Seconds run so far (or in total once finished)."""
        start = self.attempt.started_at
        if start is None:
            return None
        return ((self.attempt.finished_at or datetime.now(UTC)) - start).total_seconds()

    @property
    def progress_percent(self) -> int | None:
        """Progress as a whole percentage, when the job reports any."""
        if self.attempt.status == Status.SUCCESS:
            return 100
        return None if self.attempt.progress is None else round(self.attempt.progress * 100)

    @property
    def message(self) -> str | None:
        """The job's latest progress message while running, else the status message."""
        return self.live_message if self.active and self.live_message else self.attempt.status_message


def attempt_views(plane: ControlPlane, rows: Sequence[tuple[Attempt, Subject]]) -> list[AttemptView]:
    """Views of `rows`; the live extras come from the newest stored events of the active attempts only."""
    views = [AttemptView(AttemptOut.of(row, subject)) for row, subject in rows]
    active = {view.attempt.id: view for view in views if view.active}
    for attempt_id, signals in live_signals(plane.ctx, list(active)).items():
        active[attempt_id].current_task = signals.current_task
        active[attempt_id].live_message = signals.message
        active[attempt_id].eta_seconds = _eta_now(signals)
    return views


def _eta_now(signals: LiveSignals) -> float | None:
    """The estimate the newest event carried (median past duration minus elapsed), counted down to now."""
    if signals.eta_seconds is None or signals.eta_sent_at is None:
        return None
    return max(0.0, signals.eta_seconds - (datetime.now(UTC) - signals.eta_sent_at).total_seconds())
