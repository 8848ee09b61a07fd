"""One run's shared state: settings, the metadata store, its log lines and progress events.

Every job type of a run (and every step of `full_pipeline`) shares one context, so one
`executor_runs` row and one set of `logs` rows describe the whole run.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lakerun.executor.callbacks import CallbackClient, CallbackError
from lakerun.executor.ids import stable_id
from lakerun.executor.settings import ExecutorSettings
from lakerun.executor.store import MetadataStore, SchemaReport

logger = logging.getLogger("lakerun.executor")
FLUSH_ROWS = 2_000
"""Rows queued per table before they are written (bounded memory, few store round-trips)."""
PROGRESS_INTERVAL = 1.0
"""Seconds between progress callbacks (a walk over 10,000 files must not send 10,000 events)."""


def utcnow() -> datetime:
    """Current UTC time without tzinfo (how the store's TIMESTAMP columns hold it)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class RunContext:
    """State shared by the job types of one executor run."""

    settings: ExecutorSettings
    store: MetadataStore
    callbacks: CallbackClient | None = None
    started_at: datetime = field(default_factory=utcnow)
    logs: list[dict[str, Any]] = field(default_factory=list)
    scan_cache: Any = None
    """The source walk shared by the run's steps (`scan.ScanCache`), closed with the run."""
    schema_report: SchemaReport | None = None
    """How the store's schema was found when the run started (validation creates what is missing)."""
    _log_sequence: int = 0
    _staged: dict[tuple[str, tuple[str, ...] | None], list[dict[str, Any]]] = field(default_factory=dict)
    _last_progress: float = 0.0

    @property
    def run_id(self) -> str:
        """This run's id (the `executor_runs` key)."""
        return self.settings.run_id

    @property
    def source_id(self) -> str | None:
        """Stable id of the run's data source (tenant + path), or None for source-less jobs."""
        if not self.settings.source_path:
            return None
        return stable_id(self.settings.tenant_id, self.settings.source_path.rstrip("/"))

    def log(self, level: str, message: str, file_path: str | None = None) -> None:
        """Record a log line for the `logs` table and echo it to stderr."""
        self._log_sequence += 1
        self.logs.append(
            {
                "log_id": f"{self.run_id}-{self._log_sequence:06d}",
                "run_id": self.run_id,
                "log_level": level,
                "log_message": message,
                "file_path": file_path,
                "log_timestamp": utcnow(),
            }
        )
        logger.log(logging.getLevelName(level), "%s%s", message, f" [{file_path}]" if file_path else "")
        if len(self.logs) >= FLUSH_ROWS:
            self.flush_logs()

    def flush_logs(self) -> None:
        """Write the log lines gathered so far to the store."""
        pending, self.logs = self.logs, []
        if pending:
            self.store.upsert("logs", pending)

    def close(self) -> None:
        """Release what the run's steps shared."""
        if self.scan_cache is not None:
            self.scan_cache.close()

    def stage(self, table: str, rows: list[dict[str, Any]], only: tuple[str, ...] | None = None) -> None:
        """Queue rows for `store.upsert`; they are written every `FLUSH_ROWS` rows and by `flush_staged`."""
        pending = self._staged.setdefault((table, only), [])
        pending.extend(rows)
        if len(pending) >= FLUSH_ROWS:
            self.store.upsert(table, pending, only=only)
            pending.clear()

    def flush_staged(self) -> None:
        """Write every queued row (in the order the tables were first staged)."""
        for (table, only), rows in self._staged.items():
            if rows:
                self.store.upsert(table, rows, only=only)
                rows.clear()

    def progress(self, fraction: float, message: str) -> None:
        """Tell the control plane how far the run is (when a callback is configured); never fails the run."""
        now = time.monotonic()
        if self.callbacks is None or (fraction < 1.0 and now - self._last_progress < PROGRESS_INTERVAL):
            return
        self._last_progress = now
        try:
            self.callbacks.progress(max(0.0, min(1.0, fraction)), message, task=self.settings.job_type)
        except (CallbackError, OSError, ValueError) as exc:
            self.log("WARNING", f"progress callback failed: {exc}")


def configure_logging() -> None:
    """Log lines to stderr (stdout carries only the JSON result)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s", "%H:%M:%S")
    )
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
