"""Job schedules and periodic triggers fire runs in the local workspace, as on Databricks."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service import jobs

from lakerun.local.db import StateDB
from lakerun.local.job_schedules import CronCadence, JobSchedules, PeriodicCadence
from lakerun.local.quartz_cron import QuartzCron, QuartzSyntaxError
from tests.local.conftest import python_task, result_of, wait_for
from tests.support.eventually import eventually

EVERY_TWO_SECONDS = "*/2 * * * * ?"
BASE = datetime(2026, 1, 14, 10, 0, 0, tzinfo=UTC)  # a Wednesday


# -- the Quartz translation ----------------------------------------------------------------------


def instants(expression: str, count: int, start: datetime = BASE) -> list[str]:
    """The next `count` fire instants after `start`, as 'Www YYYY-MM-DD HH:MM:SS'."""
    cron, found, moment = QuartzCron.parse(expression), [], start
    for _ in range(count):
        moment = cron.next_after(moment)  # type: ignore[assignment]
        if moment is None:
            break
        found.append(moment.strftime("%a %Y-%m-%d %H:%M:%S"))
    return found


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("*/2 * * * * ?", ["Wed 2026-01-14 10:00:02", "Wed 2026-01-14 10:00:04"]),
        ("5/15 * * * * ?", ["Wed 2026-01-14 10:00:05", "Wed 2026-01-14 10:00:20"]),
        ("0 0 12 ? * 1", ["Sun 2026-01-18 12:00:00", "Sun 2026-01-25 12:00:00"]),  # 1 = SUN
        ("0 0 12 ? * 7", ["Sat 2026-01-17 12:00:00", "Sat 2026-01-24 12:00:00"]),  # 7 = SAT
        (
            "0 0 12 ? * 2-6",
            [
                "Wed 2026-01-14 12:00:00",
                "Thu 2026-01-15 12:00:00",
                "Fri 2026-01-16 12:00:00",
                "Mon 2026-01-19 12:00:00",
            ],
        ),
        (
            "0 0 12 ? * mon-fri",
            [
                "Wed 2026-01-14 12:00:00",
                "Thu 2026-01-15 12:00:00",
                "Fri 2026-01-16 12:00:00",
                "Mon 2026-01-19 12:00:00",
            ],
        ),
        ("0 0 12 ? * 1,7", ["Sat 2026-01-17 12:00:00", "Sun 2026-01-18 12:00:00"]),
        ("0 0 12 ? * 2/3", ["Thu 2026-01-15 12:00:00", "Mon 2026-01-19 12:00:00", "Thu 2026-01-22 12:00:00"]),
        ("0 0 12 L * ?", ["Sat 2026-01-31 12:00:00", "Sat 2026-02-28 12:00:00"]),
        ("0 0 12 L-3 * ?", ["Wed 2026-01-28 12:00:00", "Wed 2026-02-25 12:00:00"]),
        ("0 0 12 LW * ?", ["Fri 2026-01-30 12:00:00", "Fri 2026-02-27 12:00:00", "Tue 2026-03-31 12:00:00"]),
        ("0 0 12 15W * ?", ["Thu 2026-01-15 12:00:00", "Mon 2026-02-16 12:00:00"]),
        ("0 0 12 ? * 6#3", ["Fri 2026-01-16 12:00:00", "Fri 2026-02-20 12:00:00"]),
        ("0 0 12 ? * FRI#3", ["Fri 2026-01-16 12:00:00", "Fri 2026-02-20 12:00:00"]),
        ("0 0 12 ? * 6L", ["Fri 2026-01-30 12:00:00", "Fri 2026-02-27 12:00:00"]),
        ("0 0 12 ? * L", ["Sat 2026-01-17 12:00:00", "Sat 2026-01-24 12:00:00"]),
        (
            "0 30 8 1 JAN-MAR ? 2027",
            ["Fri 2027-01-01 08:30:00", "Mon 2027-02-01 08:30:00", "Mon 2027-03-01 08:30:00"],
        ),
        ("0 0 0 1 1 ? 2030/2", ["Tue 2030-01-01 00:00:00", "Thu 2032-01-01 00:00:00"]),
        ("0 0 12 31 2 ?", []),  # valid Quartz that never fires
    ],
)
def test_quartz_expressions_fire_at_quartz_instants(expression: str, expected: list[str]) -> None:
    assert instants(expression, len(expected) or 1) == expected


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("* * * * *", "6 or 7 fields"),
        ("0 0 12 * * *", "exactly one of day-of-month and day-of-week"),
        ("0 0 12 ? * ?", "exactly one of day-of-month and day-of-week"),
        ("? 0 12 1 * ?", "not in seconds"),
        ("0 0 25 * * ?", "hours 25 is out of range 0-23"),
        ("0 0 12 ? * 0", "day-of-week 0 is out of range 1-7"),
        ("0 0 12 ? * FUN", "'FUN' is not a valid day-of-week value"),
        ("0 0 12 1 FOO ?", "'FOO' is not a valid month value"),
        ("0 0 12 1 * ? 1969", "year 1969 is out of range 1970-2099"),
        ("0 0 12 L,3 * ?", "cannot be combined"),
        ("0 0 12 ? * MON#6", "not valid in day-of-week"),
        ("0 0 H * * ?", "not valid in hours"),
    ],
)
def test_invalid_quartz_expressions_are_refused_with_the_reason(expression: str, complaint: str) -> None:
    with pytest.raises(QuartzSyntaxError, match=complaint):
        QuartzCron.parse(expression)


def test_cron_instants_follow_the_time_zone_through_daylight_saving() -> None:
    nine_in_paris = CronCadence(QuartzCron.parse("0 0 9 * * ?"), ZoneInfo("Europe/Paris"))
    winter = nine_in_paris.next_after(int(datetime(2026, 3, 27, tzinfo=UTC).timestamp() * 1000), 0)
    summer = nine_in_paris.next_after(int(datetime(2026, 3, 30, tzinfo=UTC).timestamp() * 1000), 0)
    assert winter is not None and summer is not None
    assert datetime.fromtimestamp(winter / 1000, UTC).hour == 8
    assert datetime.fromtimestamp(summer / 1000, UTC).hour == 7


def test_periodic_instants_count_from_the_anchor() -> None:
    hourly = PeriodicCadence(3_600_000)
    assert hourly.next_after(1_000, 1_000) == 3_601_000
    assert hourly.next_after(3_601_000, 1_000) == 7_201_000
    assert hourly.next_after(10 * 3_600_000, 1_000) == 10 * 3_600_000 + 1_000


def test_stored_schedule_gives_one_catch_up_and_never_refires_an_instant(tmp_path: Path) -> None:
    settings = {"schedule": {"quartz_cron_expression": "0 * * * * ?", "timezone_id": "UTC"}}
    minute = 60_000
    start = 1_800_000_000_000 - 1_800_000_000_000 % minute + 5_000  # 5 s past a minute
    db = StateDB(tmp_path / "state.db")
    JobSchedules(db).sync(7, settings, start)
    first = start - 5_000 + minute
    assert JobSchedules(db).next_fire_ms() == first
    assert JobSchedules(db).due(first - 1) == []

    schedules = JobSchedules(db)  # fire the first instant
    assert schedules.due(first) == [7]
    schedules.advance(7, settings, first)

    restarted = JobSchedules(db)  # a restart before the next instant has nothing due
    restarted.sync(7, settings, first + 10)
    assert restarted.due(first + 10) == []
    late = first + 5 * minute + 30_000  # down for five instants
    restarted.sync(7, settings, late)
    assert restarted.due(late) == [7]
    restarted.advance(7, settings, late)
    assert restarted.due(late) == []
    assert restarted.next_fire_ms() == first + 6 * minute
    db.close()


def test_pausing_forgets_the_stored_instant(tmp_path: Path) -> None:
    schedule = {"quartz_cron_expression": "0 * * * * ?", "timezone_id": "UTC"}
    db = StateDB(tmp_path / "state.db")
    schedules = JobSchedules(db)
    schedules.sync(3, {"schedule": schedule}, 0)
    schedules.sync(3, {"schedule": {**schedule, "pause_status": "PAUSED"}}, 1)
    assert schedules.next_fire_ms() is None
    schedules.sync(3, {"schedule": schedule}, 10 * 60_000 + 1)  # resumed much later: no catch-up
    assert schedules.due(10 * 60_000 + 1) == []
    db.close()


# -- through the SDK against the real local workspace ------------------------------------------------


def wait_until(condition: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    """Polls `condition` until it holds; fails the test at the deadline."""
    eventually(condition, timeout=timeout, what=what)


def runs_of(client: WorkspaceClient, job_id: int) -> list[jobs.BaseRun]:
    return list(client.jobs.list_runs(job_id=job_id))


def scheduled_job(
    client: WorkspaceClient,
    path: str,
    name: str,
    expression: str = EVERY_TWO_SECONDS,
    pause: jobs.PauseStatus | None = None,
    **extra: object,
) -> int:
    schedule = jobs.CronSchedule(quartz_cron_expression=expression, timezone_id="UTC", pause_status=pause)
    created = client.jobs.create(
        name=name,
        tasks=[python_task("main", path)],
        schedule=schedule,
        max_concurrent_runs=5,
        **extra,  # type: ignore[arg-type]
    )
    assert created.job_id is not None
    return created.job_id


def test_schedule_starts_runs_that_succeed(ws_client: WorkspaceClient, script) -> None:
    path = script("hello.py", "print('scheduled hello')\n")
    job_id = scheduled_job(
        ws_client,
        path,
        "every-two-seconds",
        parameters=[jobs.JobParameterDefinition(name="day", default="mon")],
    )

    wait_until(lambda: len(runs_of(ws_client, job_id)) >= 2, what="two scheduled runs")

    for listed in runs_of(ws_client, job_id)[:2]:
        assert listed.run_id is not None
        run = wait_for(ws_client, listed.run_id)
        assert run.trigger == jobs.TriggerType.PERIODIC
        assert run.run_type == jobs.RunType.JOB_RUN
        assert result_of(run) == "SUCCESS"
        assert [(p.name, p.value) for p in run.job_parameters or []] == [("day", "mon")]


@pytest.mark.slow
def test_paused_schedule_waits_until_unpaused(ws_client: WorkspaceClient, script) -> None:
    path = script("hello.py", "print('hello')\n")
    paused = scheduled_job(ws_client, path, "paused", pause=jobs.PauseStatus.PAUSED)
    running = scheduled_job(ws_client, path, "running")

    wait_until(lambda: len(runs_of(ws_client, running)) >= 3, what="three runs of the unpaused sibling")
    assert runs_of(ws_client, paused) == []

    ws_client.jobs.update(
        paused,
        new_settings=jobs.JobSettings(
            schedule=jobs.CronSchedule(
                quartz_cron_expression=EVERY_TWO_SECONDS,
                timezone_id="UTC",
                pause_status=jobs.PauseStatus.UNPAUSED,
            )
        ),
    )
    wait_until(lambda: len(runs_of(ws_client, paused)) >= 1, what="a run once unpaused")
    assert all(run.trigger == jobs.TriggerType.PERIODIC for run in runs_of(ws_client, paused))


@pytest.mark.slow
def test_deleting_a_job_stops_its_schedule(ws_client: WorkspaceClient, script) -> None:
    path = script("hello.py", "print('hello')\n")
    doomed = scheduled_job(ws_client, path, "doomed")
    witness = scheduled_job(ws_client, path, "witness")
    wait_until(lambda: len(runs_of(ws_client, doomed)) >= 1, what="a first run of the doomed job")

    ws_client.jobs.delete(doomed)
    fired_before = len(runs_of(ws_client, doomed))
    witness_before = len(runs_of(ws_client, witness))
    wait_until(lambda: len(runs_of(ws_client, witness)) >= witness_before + 3, what="three more witness runs")

    assert len(runs_of(ws_client, doomed)) == fired_before


@pytest.mark.slow
def test_update_that_removes_the_schedule_stops_it(ws_client: WorkspaceClient, script) -> None:
    path = script("hello.py", "print('hello')\n")
    job_id = scheduled_job(ws_client, path, "unscheduled")
    witness = scheduled_job(ws_client, path, "witness")
    wait_until(lambda: len(runs_of(ws_client, job_id)) >= 1, what="a first scheduled run")

    ws_client.jobs.update(job_id, fields_to_remove=["schedule"])
    fired_before = len(runs_of(ws_client, job_id))
    witness_before = len(runs_of(ws_client, witness))
    wait_until(lambda: len(runs_of(ws_client, witness)) >= witness_before + 3, what="three more witness runs")

    assert len(runs_of(ws_client, job_id)) == fired_before


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (
            {"schedule": {"quartz_cron_expression": "0 0 25 * * ?", "timezone_id": "UTC"}},
            "quartz_cron_expression",
        ),
        (
            {"schedule": {"quartz_cron_expression": "* * * * *", "timezone_id": "UTC"}},
            "quartz_cron_expression",
        ),
        (
            {"schedule": {"quartz_cron_expression": "0 0 1 * * ?", "timezone_id": "Mars/Olympus"}},
            "timezone_id",
        ),
        ({"schedule": {"quartz_cron_expression": "0 0 1 * * ?"}}, "timezone_id"),
        (
            {
                "schedule": {
                    "quartz_cron_expression": "0 0 1 * * ?",
                    "timezone_id": "UTC",
                    "pause_status": "SLEEPY",
                }
            },
            "pause_status",
        ),
        ({"trigger": {"periodic": {"interval": 2, "unit": "SECONDS"}}}, "trigger.periodic.unit"),
        ({"trigger": {"periodic": {"interval": 0, "unit": "HOURS"}}}, "trigger.periodic.interval"),
        (
            {
                "schedule": {"quartz_cron_expression": "0 0 1 * * ?", "timezone_id": "UTC"},
                "trigger": {"periodic": {"interval": 1, "unit": "HOURS"}},
            },
            "only one of schedule, trigger or continuous",
        ),
    ],
)
def test_bad_schedules_are_refused_at_create_update_and_reset(
    ws_client: WorkspaceClient,
    script,
    settings: dict[str, object],
    field: str,
) -> None:
    task = {"task_key": "main", "spark_python_task": {"python_file": script("t.py", "print(1)\n")}}
    body = {"name": "bad-schedule", "tasks": [task], **settings}
    with pytest.raises(InvalidParameterValue, match=field):
        ws_client.api_client.do("POST", "/api/2.2/jobs/create", body=body)

    job_id = ws_client.jobs.create(name="good", tasks=[jobs.Task.from_dict(task)]).job_id
    with pytest.raises(InvalidParameterValue, match=field):
        ws_client.api_client.do(
            "POST", "/api/2.2/jobs/update", body={"job_id": job_id, "new_settings": settings}
        )
    with pytest.raises(InvalidParameterValue, match=field):
        ws_client.api_client.do("POST", "/api/2.2/jobs/reset", body={"job_id": job_id, "new_settings": body})
    assert ws_client.jobs.get(job_id).settings.schedule is None  # type: ignore[arg-type]


def test_periodic_trigger_is_kept_and_paused_triggers_are_accepted(
    ws_client: WorkspaceClient, script
) -> None:
    trigger = jobs.TriggerSettings(
        periodic=jobs.PeriodicTriggerConfiguration(
            interval=12, unit=jobs.PeriodicTriggerConfigurationTimeUnit.HOURS
        ),
        pause_status=jobs.PauseStatus.PAUSED,
    )
    job_id = ws_client.jobs.create(
        name="twice-a-day", tasks=[python_task("main", script("t.py", "print(1)\n"))], trigger=trigger
    ).job_id
    assert ws_client.jobs.get(job_id).settings.trigger == trigger  # type: ignore[arg-type]


def exactly_at(moment: datetime, seconds: str | None = None) -> str:
    """A Quartz expression firing only at `moment` (UTC), or at `seconds` of that minute."""
    second = seconds or str(moment.second)
    return f"{second} {moment.minute} {moment.hour} {moment.day} {moment.month} ? {moment.year}"


def whole_seconds_from_now(seconds: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds + 1)


@pytest.mark.slow
def test_restart_neither_refires_nor_replays_every_missed_instant(
    start_workspace, tmp_path: Path, script
) -> None:
    root = tmp_path / "restarted-ws"
    path = script("hello.py", "print('hello')\n")
    first = start_workspace(root=root)
    client = WorkspaceClient(host=first.url, token=first.token)
    fired_once = scheduled_job(client, path, "fires-once", exactly_at(whole_seconds_from_now(2)))
    heartbeat = scheduled_job(client, path, "heartbeat")
    wait_until(lambda: len(runs_of(client, fired_once)) == 1, what="the one-off instant to fire")

    missed_from = whole_seconds_from_now(3)
    if missed_from.second > 57:  # keep the three instants in one minute
        missed_from += timedelta(seconds=60 - missed_from.second)
    seconds = f"{missed_from.second}-{missed_from.second + 2}"
    missed = scheduled_job(client, path, "missed-while-down", exactly_at(missed_from, seconds))
    first.stop()
    wait_until(
        lambda: datetime.now(UTC) > missed_from + timedelta(seconds=3), what="the missed instants to pass"
    )

    restarted_at = int(time.time() * 1000)
    second = start_workspace(root=root)
    client = WorkspaceClient(host=second.url, token=second.token)
    wait_until(
        lambda: len([r for r in runs_of(client, heartbeat) if (r.start_time or 0) >= restarted_at]) >= 2,
        what="two heartbeat runs after the restart",
    )

    assert len(runs_of(client, fired_once)) == 1
    missed_runs = runs_of(client, missed)
    before = [r for r in missed_runs if (r.start_time or 0) < restarted_at]
    after = [r for r in missed_runs if (r.start_time or 0) >= restarted_at]
    assert len(after) == (1 if len(before) < 3 else 0)
    assert all(r.trigger == jobs.TriggerType.PERIODIC for r in missed_runs)
