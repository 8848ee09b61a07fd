"""When jobs fire on their own: `schedule` (Quartz cron in a time zone) and `trigger.periodic`.

Each job with an unpaused schedule or periodic trigger has one row in `job_schedules` holding the
next instant it fires, so the run engine knows when to wake and a restart resumes from stored state:
an instant that already fired is never fired again, and instants missed while the workspace was down
give one catch-up run at start-up, not one per instant (Databricks' scheduler likewise runs a late
job "immediately upon service availability"). Pausing forgets the row, so resuming starts from the
next instant after the resume and never catches up paused time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lakerun.local.db import StateDB
from lakerun.local.errors import DatabricksError, invalid_parameter
from lakerun.local.job_state_table import JobStateTable
from lakerun.local.quartz_cron import QuartzCron, QuartzSyntaxError

SCHEMA = """
CREATE TABLE IF NOT EXISTS job_schedules (
    job_id INTEGER PRIMARY KEY,
    definition TEXT NOT NULL,
    anchor_ms INTEGER NOT NULL,
    next_fire_ms INTEGER
);
"""
PAUSE_STATUSES = ("PAUSED", "UNPAUSED")
UNIT_MILLISECONDS = {"MINUTES": 60_000, "HOURS": 3_600_000, "DAYS": 86_400_000, "WEEKS": 604_800_000}
EXCLUSIVE_TRIGGERS = ("schedule", "trigger", "continuous")


class Cadence(Protocol):
    """A rule for the instants a job fires at (epoch milliseconds)."""

    def next_after(self, moment_ms: int, anchor_ms: int) -> int | None:
        """The first instant strictly after `moment_ms`; `anchor_ms` is when the rule was set up."""


@dataclass(frozen=True)
class CronCadence:
    """A Quartz cron expression evaluated in a time zone."""

    cron: QuartzCron
    zone: ZoneInfo

    def next_after(self, moment_ms: int, anchor_ms: int) -> int | None:
        """The next cron instant in the schedule's zone (DST handled by croniter)."""
        found = self.cron.next_after(datetime.fromtimestamp(moment_ms / 1000, self.zone))
        return None if found is None else int(found.timestamp() * 1000)


@dataclass(frozen=True)
class PeriodicCadence:
    """Every `interval` units of fixed length, counted from when the trigger was set up."""

    every_ms: int

    def next_after(self, moment_ms: int, anchor_ms: int) -> int:
        """The next `anchor + k * interval` after the moment."""
        periods = max(0, (moment_ms - anchor_ms) // self.every_ms + 1)
        return anchor_ms + periods * self.every_ms


def validate_trigger_fields(settings: dict[str, Any]) -> None:
    """Refuses bad `schedule`/`trigger` values, naming the field; runs on raw request bodies too,
    because the SDK's parsing drops enum values it does not know."""
    given = [name for name in EXCLUSIVE_TRIGGERS if settings.get(name)]
    if len(given) > 1:
        raise invalid_parameter(
            f"A job can have only one of schedule, trigger or continuous; got {' and '.join(given)}"
        )
    schedule = _object(settings, "schedule")
    if schedule is not None:
        _check_pause_status(schedule, "schedule")
        _cron_cadence(schedule)
    trigger = _object(settings, "trigger")
    if trigger is not None:
        _check_pause_status(trigger, "trigger")
        periodic = _object(trigger, "periodic", "trigger.")
        if periodic is not None:
            _periodic_cadence(periodic)


def active_cadence(settings: dict[str, Any]) -> tuple[str, Cadence] | None:
    """The job's unpaused time-based trigger as (definition, cadence), or None when it has none."""
    schedule = settings.get("schedule")
    if schedule and schedule.get("pause_status", "UNPAUSED") == "UNPAUSED":
        definition = {key: schedule.get(key) for key in ("quartz_cron_expression", "timezone_id")}
        return json.dumps({"schedule": definition}, sort_keys=True), _cron_cadence(schedule)
    trigger = settings.get("trigger") or {}
    periodic = trigger.get("periodic")
    if periodic and trigger.get("pause_status", "UNPAUSED") == "UNPAUSED":
        definition = {key: periodic.get(key) for key in ("interval", "unit")}
        return json.dumps({"periodic": definition}, sort_keys=True), _periodic_cadence(periodic)
    return None


class JobSchedules(JobStateTable):
    """The durable next-fire table; the run engine calls it under its lock."""

    table = "job_schedules"

    def __init__(self, db: StateDB) -> None:
        super().__init__(db)
        db.script(SCHEMA)

    def sync(self, job_id: int, settings: dict[str, Any], now: int) -> None:
        """Follows a job's new settings: keeps the stored next instant if its trigger is unchanged,
        starts from `now` if the trigger is new or changed, forgets the job if it has none or is paused."""
        active = active_cadence(settings)
        if active is None:
            self.forget(job_id)
            return
        definition, cadence = active
        rows = self.db.query("SELECT definition FROM job_schedules WHERE job_id = ?", (job_id,))
        if rows and rows[0]["definition"] == definition:
            return
        self.db.execute(
            "INSERT OR REPLACE INTO job_schedules (job_id, definition, anchor_ms, next_fire_ms) VALUES (?, ?, ?, ?)",
            (job_id, definition, now, cadence.next_after(now, now)),
        )

    def due(self, now: int) -> list[int]:
        """Jobs whose next instant has come, earliest first."""
        rows = self.db.query(
            "SELECT job_id FROM job_schedules WHERE next_fire_ms <= ? ORDER BY next_fire_ms, job_id", (now,)
        )
        return [int(row["job_id"]) for row in rows]

    def advance(self, job_id: int, settings: dict[str, Any], now: int) -> bool:
        """Records that the job fires at `now`: its next instant is the first one after `now`, so
        however many instants were missed, they give this one run. False if it has no live trigger."""
        try:
            active = active_cadence(settings)
        except DatabricksError:  # settings stored by hand, never through the API's validation
            active = None
        rows = self.db.query("SELECT anchor_ms FROM job_schedules WHERE job_id = ?", (job_id,))
        if active is None or not rows:
            self.forget(job_id)
            return False
        next_fire = active[1].next_after(now, int(rows[0]["anchor_ms"]))
        self.db.execute("UPDATE job_schedules SET next_fire_ms = ? WHERE job_id = ?", (next_fire, job_id))
        return True

    def next_fire_ms(self) -> int | None:
        """The earliest stored instant of any job, for the engine's sleep."""
        rows = self.db.query("SELECT MIN(next_fire_ms) AS soonest FROM job_schedules")
        soonest = rows[0]["soonest"] if rows else None
        return None if soonest is None else int(soonest)


def _object(parent: dict[str, Any], name: str, prefix: str = "") -> dict[str, Any] | None:
    value = parent.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_parameter(f"{prefix}{name} must be an object")
    return value


def _check_pause_status(config: dict[str, Any], name: str) -> None:
    status = config.get("pause_status")
    if status is not None and status not in PAUSE_STATUSES:
        raise invalid_parameter(f"Invalid {name}.pause_status {status!r}: use PAUSED or UNPAUSED")


def _cron_cadence(schedule: dict[str, Any]) -> CronCadence:
    expression = schedule.get("quartz_cron_expression")
    if not isinstance(expression, str) or not expression.strip():
        raise invalid_parameter("schedule.quartz_cron_expression is required")
    try:
        cron = QuartzCron.parse(expression)
    except QuartzSyntaxError as exc:
        raise invalid_parameter(f"Invalid schedule.quartz_cron_expression {expression!r}: {exc}") from exc
    return CronCadence(cron, _zone(schedule.get("timezone_id")))


def _zone(zone_id: Any) -> ZoneInfo:
    if not isinstance(zone_id, str) or not zone_id:
        raise invalid_parameter("schedule.timezone_id is required")
    try:
        return ZoneInfo(zone_id)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid_parameter(f"Invalid schedule.timezone_id {zone_id!r}: not a known time zone") from exc


def _periodic_cadence(periodic: dict[str, Any]) -> PeriodicCadence:
    interval, unit = periodic.get("interval"), periodic.get("unit")
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise invalid_parameter(
            f"Invalid trigger.periodic.interval {interval!r}: use a whole number of at least 1"
        )
    if unit not in UNIT_MILLISECONDS:
        raise invalid_parameter(
            f"Invalid trigger.periodic.unit {unit!r}: use one of {', '.join(UNIT_MILLISECONDS)}"
        )
    return PeriodicCadence(interval * UNIT_MILLISECONDS[unit])
