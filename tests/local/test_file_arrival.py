"""File-arrival triggers and continuous jobs fire runs in the local workspace, as on Databricks.

Through the SDK, "nothing fired" is only asserted after a witness job watching another folder has
fired for a file written later: every poll looks at all watched folders at once, so by then the
workspace has seen the file under test too.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service import jobs

from lakerun.local.continuous_jobs import ContinuousJobs, backoff_ms
from lakerun.local.db import StateDB
from lakerun.local.file_arrival import FileArrivalTriggers
from lakerun.local.paths import WorkspacePaths
from tests.local.conftest import python_task, result_of, wait_for
from tests.local.test_schedules import runs_of, wait_until

LANDING = "/Volumes/main/raw/landing"
WITNESS = "/Volumes/main/raw/witness"


# -- the stored state, with explicit clocks ---------------------------------------------------------


def arrival_settings(
    url: str, wait: int = 0, min_between: int = 0, pause: str = "UNPAUSED"
) -> dict[str, Any]:
    rule = {
        "url": url,
        "wait_after_last_change_seconds": wait,
        "min_time_between_triggers_seconds": min_between,
    }
    return {"trigger": {"file_arrival": rule, "pause_status": pause}}


def test_changes_fire_after_the_quiet_period_and_the_minimum_gap(tmp_path: Path) -> None:
    paths = WorkspacePaths(tmp_path / "ws")
    folder = paths.resolve(f"{LANDING}/in")
    folder.mkdir(parents=True)
    (folder / "old.csv").write_text("present before the trigger\n")
    settings = arrival_settings(f"{LANDING}/in/", wait=10, min_between=60)
    db = StateDB(tmp_path / "state.db")
    triggers = FileArrivalTriggers(db, paths)
    triggers.sync(7, settings)
    assert triggers.poll(0) == []

    (folder / "sub").mkdir()
    (folder / "sub" / "new.csv").write_text("a\n")
    assert triggers.poll(1_000) == []  # noticed, waiting for 10 s of quiet
    (folder / "sub" / "more.csv").write_text("bb\n")
    assert triggers.poll(5_000) == []  # a new change restarts the quiet period
    assert triggers.poll(14_000) == []
    assert triggers.poll(15_000) == [7]
    assert triggers.fired(7, 15_000)
    assert triggers.poll(16_000) == []  # consumed

    (folder / "old.csv").write_text("changed later, so it counts\n")
    assert triggers.poll(30_000) == []
    assert triggers.poll(74_000) == []  # quiet long enough, but only 59 s since the last run
    assert triggers.poll(75_000) == [7]
    triggers.fired(7, 75_000)

    restarted = FileArrivalTriggers(db, paths)  # same definition: remembers what it had seen
    restarted.sync(7, settings)
    assert restarted.poll(500_000) == []
    db.close()


def test_resuming_a_paused_trigger_ignores_files_that_arrived_meanwhile(tmp_path: Path) -> None:
    paths = WorkspacePaths(tmp_path / "ws")
    folder = paths.resolve(LANDING)
    folder.mkdir(parents=True)
    db = StateDB(tmp_path / "state.db")
    triggers = FileArrivalTriggers(db, paths)
    triggers.sync(3, arrival_settings(LANDING, pause="PAUSED"))
    (folder / "while-paused.csv").write_text("x\n")
    assert triggers.poll(1_000) == []
    triggers.sync(3, arrival_settings(LANDING))
    assert triggers.poll(2_000) == []
    (folder / ".upload.partial").write_text("in progress\n")
    assert triggers.poll(3_000) == []  # hidden files are not arrivals
    (folder / "after-resume.csv").write_text("y\n")
    assert triggers.poll(4_000) == [3]
    db.close()


def test_cloud_urls_are_kept_but_have_nothing_local_to_watch(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.db")
    triggers = FileArrivalTriggers(db, WorkspacePaths(tmp_path / "ws"))
    triggers.sync(5, arrival_settings("s3://bucket/landing/"))
    assert triggers.any()
    assert triggers.poll(1_000) == []
    db.close()


def test_continuous_back_off_grows_with_consecutive_failures_and_resets(tmp_path: Path) -> None:
    assert [backoff_ms(n) for n in range(8)] == [0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000]
    db = StateDB(tmp_path / "state.db")
    continuous = ContinuousJobs(db)
    continuous.sync(9, {"continuous": {}})
    assert continuous.due(0, busy=set()) == [9]
    assert continuous.due(0, busy={9}) == []
    continuous.run_ended(9, "FAILED", 10_000)
    continuous.run_ended(9, "FAILED", 20_000)
    assert continuous.due(21_999, busy=set()) == []
    assert ContinuousJobs(db).next_start_ms(busy=set()) == 22_000  # survives a restart
    continuous.run_ended(9, "SUCCESS", 30_000)
    assert continuous.due(30_000, busy=set()) == [9]
    continuous.sync(9, {"continuous": {"pause_status": "PAUSED"}})
    assert continuous.due(40_000, busy=set()) == []
    db.close()


# -- through the SDK against the real local workspace ------------------------------------------------


def fast_client(start_workspace, root: Path) -> tuple[Any, WorkspaceClient]:
    """A workspace over `root` that looks for new files every 0.1 s, and a client for it."""
    running = start_workspace(root=root, file_arrival_poll_seconds=0.1)
    return running, WorkspaceClient(host=running.url, token=running.token)


def watched_job(
    client: WorkspaceClient,
    script_path: str,
    url: str,
    pause: jobs.PauseStatus | None = None,
    **rule: int,
) -> int:
    trigger = jobs.TriggerSettings(
        file_arrival=jobs.FileArrivalTriggerConfiguration(url=url, **rule), pause_status=pause
    )
    created = client.jobs.create(
        name=f"on-files-{url}",
        tasks=[python_task("main", script_path)],
        trigger=trigger,
        max_concurrent_runs=5,
    )
    assert created.job_id is not None
    return created.job_id


def upload(client: WorkspaceClient, path: str, text: str = "a,b\n1,2\n") -> None:
    client.files.upload(path, io.BytesIO(text.encode()), overwrite=True)


def confirm_polled(client: WorkspaceClient, witness: int, name: str) -> None:
    """Writes a file for the witness job and waits for its run: every earlier file has been seen."""
    before = len(runs_of(client, witness))
    upload(client, f"{WITNESS}/{name}")
    wait_until(lambda: len(runs_of(client, witness)) > before, what=f"the witness run for {name}")


@pytest.fixture
def hello(script) -> str:
    return str(script("hello.py", "print('files arrived')\n"))


def test_a_new_file_fires_exactly_one_run_and_old_files_none(
    start_workspace, tmp_path: Path, hello: str
) -> None:
    _, client = fast_client(start_workspace, tmp_path / "ws")
    upload(client, f"{LANDING}/already-there.csv")
    job_id = watched_job(client, hello, f"{LANDING}/")
    witness = watched_job(client, hello, WITNESS)
    confirm_polled(client, witness, "w1.csv")
    assert runs_of(client, job_id) == []

    upload(client, f"{LANDING}/2026/01/new.csv")
    wait_until(lambda: len(runs_of(client, job_id)) == 1, what="a file-arrival run")
    run_id = runs_of(client, job_id)[0].run_id
    assert run_id is not None
    run = wait_for(client, run_id)
    assert run.trigger == jobs.TriggerType.FILE_ARRIVAL
    assert result_of(run) == "SUCCESS"

    confirm_polled(client, witness, "w2.csv")
    assert len(runs_of(client, job_id)) == 1


@pytest.mark.slow
def test_files_written_within_the_quiet_period_give_one_run(
    start_workspace, tmp_path: Path, hello: str
) -> None:
    _, client = fast_client(start_workspace, tmp_path / "ws")
    job_id = watched_job(client, hello, LANDING, wait_after_last_change_seconds=2)
    upload(client, f"{LANDING}/part-1.csv")
    upload(client, f"{LANDING}/part-2.csv")
    wait_until(lambda: len(runs_of(client, job_id)) == 1, what="one run for both files")

    upload(client, f"{LANDING}/part-3.csv")  # fires after part-2 would have, had it fired alone
    wait_until(lambda: len(runs_of(client, job_id)) >= 2, what="a run for the later file")
    assert len(runs_of(client, job_id)) == 2
    assert {run.trigger for run in runs_of(client, job_id)} == {jobs.TriggerType.FILE_ARRIVAL}


def test_min_time_between_triggers_holds_back_the_next_run(
    start_workspace, tmp_path: Path, hello: str
) -> None:
    _, client = fast_client(start_workspace, tmp_path / "ws")
    job_id = watched_job(client, hello, LANDING, min_time_between_triggers_seconds=3600)
    witness = watched_job(client, hello, WITNESS)
    upload(client, f"{LANDING}/first.csv")
    wait_until(lambda: len(runs_of(client, job_id)) == 1, what="the first run")

    upload(client, f"{LANDING}/second.csv")
    confirm_polled(client, witness, "w1.csv")
    assert len(runs_of(client, job_id)) == 1


def test_a_paused_trigger_does_not_fire_and_resumes_on_new_files(
    start_workspace, tmp_path: Path, hello: str
) -> None:
    _, client = fast_client(start_workspace, tmp_path / "ws")
    job_id = watched_job(client, hello, LANDING, pause=jobs.PauseStatus.PAUSED)
    witness = watched_job(client, hello, WITNESS)
    upload(client, f"{LANDING}/while-paused.csv")
    confirm_polled(client, witness, "w1.csv")
    assert runs_of(client, job_id) == []

    trigger = jobs.TriggerSettings(
        file_arrival=jobs.FileArrivalTriggerConfiguration(url=LANDING), pause_status=jobs.PauseStatus.UNPAUSED
    )
    client.jobs.update(job_id, new_settings=jobs.JobSettings(trigger=trigger))
    confirm_polled(client, witness, "w2.csv")
    assert runs_of(client, job_id) == []

    upload(client, f"{LANDING}/after-resume.csv")
    wait_until(lambda: len(runs_of(client, job_id)) == 1, what="a run after resuming")


def test_a_restart_does_not_fire_again_for_files_already_seen(
    start_workspace, tmp_path: Path, hello: str
) -> None:
    root = tmp_path / "ws"
    first, client = fast_client(start_workspace, root)
    job_id = watched_job(client, hello, LANDING)
    witness = watched_job(client, hello, WITNESS)
    upload(client, f"{LANDING}/before-restart.csv")
    wait_until(lambda: len(runs_of(client, job_id)) == 1, what="the run before the restart")
    run_id = runs_of(client, job_id)[0].run_id
    assert run_id is not None
    wait_for(client, run_id)
    first.stop()

    _, client = fast_client(start_workspace, root)
    confirm_polled(client, witness, "after-restart.csv")
    assert len(runs_of(client, job_id)) == 1


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"trigger": {"file_arrival": {}}}, "trigger.file_arrival.url"),
        (
            {"trigger": {"file_arrival": {"url": LANDING, "wait_after_last_change_seconds": -1}}},
            "trigger.file_arrival.wait_after_last_change_seconds",
        ),
        (
            {"trigger": {"file_arrival": {"url": LANDING, "min_time_between_triggers_seconds": "soon"}}},
            "trigger.file_arrival.min_time_between_triggers_seconds",
        ),
        ({"continuous": {"pause_status": "SLEEPY"}}, "continuous.pause_status"),
        ({"continuous": {"task_retry_mode": "ALWAYS"}}, "continuous.task_retry_mode"),
    ],
)
def test_bad_triggers_are_refused_naming_the_field(
    ws_client: WorkspaceClient, hello: str, settings: dict[str, object], field: str
) -> None:
    task = {"task_key": "main", "spark_python_task": {"python_file": hello}}
    with pytest.raises(InvalidParameterValue, match=field):
        ws_client.api_client.do(
            "POST", "/api/2.2/jobs/create", body={"name": "bad", "tasks": [task], **settings}
        )
    job_id = ws_client.jobs.create(name="good", tasks=[jobs.Task.from_dict(task)]).job_id
    with pytest.raises(InvalidParameterValue, match=field):
        ws_client.api_client.do(
            "POST", "/api/2.2/jobs/update", body={"job_id": job_id, "new_settings": settings}
        )


def test_a_cloud_url_is_accepted_and_kept(ws_client: WorkspaceClient, hello: str) -> None:
    job_id = watched_job(ws_client, hello, "s3://landing-bucket/incoming/", wait_after_last_change_seconds=60)
    trigger = ws_client.jobs.get(job_id).settings.trigger
    assert trigger is not None and trigger.file_arrival is not None
    assert trigger.file_arrival.url == "s3://landing-bucket/incoming/"


def continuous_job(client: WorkspaceClient, script_path: str, name: str) -> int:
    created = client.jobs.create(
        name=name, tasks=[python_task("main", script_path)], continuous=jobs.Continuous()
    )
    assert created.job_id is not None
    return created.job_id


def pause_and_drain(client: WorkspaceClient, job_id: int) -> None:
    """Pauses a continuous job and waits for its active run to end, so no task starts at shutdown."""
    paused = jobs.Continuous(pause_status=jobs.PauseStatus.PAUSED)
    client.jobs.update(job_id, new_settings=jobs.JobSettings(continuous=paused))
    wait_until(lambda: not list(client.jobs.list_runs(job_id=job_id, active_only=True)), what="no active run")


def test_a_continuous_job_always_has_a_run_until_paused(ws_client: WorkspaceClient, hello: str) -> None:
    job_id = continuous_job(ws_client, hello, "always-on")
    witness = continuous_job(ws_client, hello, "witness")
    wait_until(lambda: len(runs_of(ws_client, job_id)) >= 2, what="a second continuous run")
    first = runs_of(ws_client, job_id)[-1]
    assert first.run_id is not None
    assert result_of(wait_for(ws_client, first.run_id)) == "SUCCESS"
    assert {run.trigger for run in runs_of(ws_client, job_id)} == {jobs.TriggerType.CONTINUOUS}
    assert len(list(ws_client.jobs.list_runs(job_id=job_id, active_only=True))) <= 1

    paused = jobs.Continuous(pause_status=jobs.PauseStatus.PAUSED)
    ws_client.jobs.update(job_id, new_settings=jobs.JobSettings(continuous=paused))
    count_at_pause = len(runs_of(ws_client, job_id))
    witness_before = len(runs_of(ws_client, witness))
    wait_until(lambda: len(runs_of(ws_client, witness)) >= witness_before + 2, what="two more witness runs")
    assert len(runs_of(ws_client, job_id)) == count_at_pause

    ws_client.jobs.delete(witness)
    count_at_delete = len(runs_of(ws_client, witness))
    ws_client.jobs.update(job_id, new_settings=jobs.JobSettings(continuous=jobs.Continuous()))
    wait_until(lambda: len(runs_of(ws_client, job_id)) >= count_at_pause + 2, what="runs after resuming")
    assert len(runs_of(ws_client, witness)) == count_at_delete
    pause_and_drain(ws_client, job_id)


def test_a_failing_continuous_job_starts_again_after_a_back_off(ws_client: WorkspaceClient, script) -> None:
    job_id = continuous_job(ws_client, script("fail.py", "raise SystemExit(1)\n"), "keeps-failing")
    wait_until(lambda: len(runs_of(ws_client, job_id)) >= 2, what="a run after the first failure")
    first = runs_of(ws_client, job_id)[-1]
    assert first.run_id is not None
    assert result_of(wait_for(ws_client, first.run_id)) == "FAILED"
    assert {run.trigger for run in runs_of(ws_client, job_id)} == {jobs.TriggerType.CONTINUOUS}
    pause_and_drain(ws_client, job_id)
