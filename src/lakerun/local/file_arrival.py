"""File-arrival triggers: a job runs when new or changed files appear under a watched location.

Each unpaused `trigger.file_arrival` has one row in `file_arrival_triggers` holding the files it has
seen (relative path → modification time and size), when it last noticed a new or changed file, and
when it last fired. The run engine polls every row at `WorkspaceConfig.file_arrival_poll_seconds`;
a noticed change fires once `wait_after_last_change_seconds` passed with no further change and
`min_time_between_triggers_seconds` passed since the previous firing. Files already present when the
trigger is set up (created, changed or resumed) are recorded as seen, so they never fire, and the
record survives restarts. `/Volumes/...` and `dbfs:/...` URLs map to the workspace's own folders
(`WorkspacePaths`); cloud URLs are accepted, as on Databricks, but have nothing local to watch.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakerun.local.db import StateDB
from lakerun.local.errors import DatabricksError, invalid_parameter
from lakerun.local.job_state_table import JobStateTable
from lakerun.local.paths import WorkspacePaths

SCHEMA = """
CREATE TABLE IF NOT EXISTS file_arrival_triggers (
    job_id INTEGER PRIMARY KEY,
    definition TEXT NOT NULL,
    seen TEXT NOT NULL,
    changed_ms INTEGER,
    fired_ms INTEGER
);
"""
WATCHABLE_PREFIXES = ("/Volumes/", "dbfs:/")
DURATION_FIELDS = ("min_time_between_triggers_seconds", "wait_after_last_change_seconds")

Listing = dict[str, list[int]]


@dataclass(frozen=True)
class FileArrivalRule:
    """A watched URL and the two quiet periods that shape when it fires."""

    url: str
    min_between_ms: int
    wait_after_change_ms: int

    @classmethod
    def from_settings(cls, config: dict[str, Any]) -> FileArrivalRule:
        """The rule of a validated `trigger.file_arrival` object."""
        return cls(
            url=str(config["url"]),
            min_between_ms=int(config.get("min_time_between_triggers_seconds") or 0) * 1000,
            wait_after_change_ms=int(config.get("wait_after_last_change_seconds") or 0) * 1000,
        )

    def definition(self) -> str:
        """A stable text of the rule: a changed rule starts over from the files present now."""
        return json.dumps([self.url, self.min_between_ms, self.wait_after_change_ms])

    def is_due(self, now: int, changed_ms: int | None, fired_ms: int | None) -> bool:
        """Whether a noticed change may fire now."""
        if changed_ms is None or now - changed_ms < self.wait_after_change_ms:
            return False
        return fired_ms is None or now - fired_ms >= self.min_between_ms


def validate_file_arrival(trigger: dict[str, Any]) -> None:
    """Refuses a bad `trigger.file_arrival` object, naming the field."""
    config = trigger.get("file_arrival")
    if config is None:
        return
    if not isinstance(config, dict):
        raise invalid_parameter("trigger.file_arrival must be an object")
    url = config.get("url")
    if not isinstance(url, str) or not url.strip():
        raise invalid_parameter("trigger.file_arrival.url is required")
    for name in DURATION_FIELDS:
        value = config.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise invalid_parameter(
                f"Invalid trigger.file_arrival.{name} {value!r}: use a whole number of seconds"
            )


def active_rule(settings: dict[str, Any]) -> FileArrivalRule | None:
    """The job's unpaused file-arrival rule, or None."""
    trigger = settings.get("trigger") or {}
    config = trigger.get("file_arrival")
    if not config or trigger.get("pause_status", "UNPAUSED") != "UNPAUSED":
        return None
    return FileArrivalRule.from_settings(config)


class FileArrivalTriggers(JobStateTable):
    """The durable table of watched locations; the run engine polls it under its lock."""

    table = "file_arrival_triggers"

    def __init__(self, db: StateDB, paths: WorkspacePaths) -> None:
        super().__init__(db)
        self.paths = paths
        db.script(SCHEMA)

    def sync(self, job_id: int, settings: dict[str, Any]) -> None:
        """Follows a job's new settings: an unchanged rule keeps what it has seen; a new, changed or
        resumed one records the files present now, so only later arrivals fire."""
        rule = active_rule(settings)
        if rule is None:
            self.forget(job_id)
            return
        rows = self.db.query("SELECT definition FROM file_arrival_triggers WHERE job_id = ?", (job_id,))
        if rows and rows[0]["definition"] == rule.definition():
            return
        self.db.execute(
            "INSERT OR REPLACE INTO file_arrival_triggers (job_id, definition, seen) VALUES (?, ?, ?)",
            (job_id, rule.definition(), json.dumps(self._listing(rule.url))),
        )

    def any(self) -> bool:
        """Whether anything is watched, so the engine only wakes to poll when it matters."""
        return bool(self.db.query("SELECT 1 FROM file_arrival_triggers LIMIT 1"))

    def poll(self, now: int) -> list[int]:
        """Looks at every watched location, records new or changed files, and returns the jobs due
        to fire now (the caller records each firing with `fired`)."""
        due = []
        for row in self.db.query("SELECT * FROM file_arrival_triggers ORDER BY job_id"):
            rule = FileArrivalRule(*json.loads(row["definition"]))
            seen: Listing = json.loads(row["seen"])
            listing = self._listing(rule.url)
            changed_ms = row["changed_ms"]
            if any(seen.get(name) != stamp for name, stamp in listing.items()):
                changed_ms = now
            if listing != seen or changed_ms != row["changed_ms"]:
                self.db.execute(
                    "UPDATE file_arrival_triggers SET seen = ?, changed_ms = ? WHERE job_id = ?",
                    (json.dumps(listing), changed_ms, row["job_id"]),
                )
            if rule.is_due(now, changed_ms, row["fired_ms"]):
                due.append(int(row["job_id"]))
        return due

    def fired(self, job_id: int, now: int) -> bool:
        """Records a firing: the noticed change is consumed and the minimum gap starts now.
        False if the job is no longer watched."""
        cursor = self.db.execute(
            "UPDATE file_arrival_triggers SET changed_ms = NULL, fired_ms = ? WHERE job_id = ?", (now, job_id)
        )
        return cursor.rowcount > 0

    def _listing(self, url: str) -> Listing:
        folder = self._folder(url)
        if folder is None or not folder.is_dir():
            return {}
        listing: Listing = {}
        for parent, _, names in os.walk(folder):
            for name in names:
                if name.startswith("."):  # in-progress uploads (`.x.partial`) and hidden files
                    continue
                path = Path(parent) / name
                try:
                    info = path.stat()
                except OSError:  # removed while we looked
                    continue
                listing[path.relative_to(folder).as_posix()] = [info.st_mtime_ns, info.st_size]
        return listing

    def _folder(self, url: str) -> Path | None:
        if not url.startswith(WATCHABLE_PREFIXES):
            return None
        try:
            return self.paths.resolve(url)
        except DatabricksError:
            return None
