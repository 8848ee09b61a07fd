"""The run state mapping end to end, without a server: a local workspace run rendered in the Jobs API's `Run`
shape, parsed by the official SDK, and read as a lakerun status.

Both renderings the workspace writes (the legacy `state` and the newer `status`) are read; a client that
reads only `status` loses the result where Databricks' termination codes are coarser (listed below).
"""

from __future__ import annotations

import pytest
from databricks.sdk.service import jobs

from lakerun.control.run_state import read_run, read_state
from lakerun.control.status import TERMINAL, Status
from lakerun.local.run_model import JobRun

# (life-cycle state, result state) a local run can end in or pass through -> lakerun status.
STATES: list[tuple[str, str | None, Status]] = [
    ("QUEUED", None, Status.QUEUED),
    ("PENDING", None, Status.QUEUED),
    ("BLOCKED", None, Status.QUEUED),
    ("RUNNING", None, Status.RUNNING),
    ("WAITING_FOR_RETRY", None, Status.RUNNING),
    ("TERMINATING", None, Status.RUNNING),
    ("TERMINATED", "SUCCESS", Status.SUCCESS),
    ("TERMINATED", "SUCCESS_WITH_FAILURES", Status.FAILED),
    ("TERMINATED", "FAILED", Status.FAILED),
    ("TERMINATED", "TIMEDOUT", Status.TIMEDOUT),
    ("TERMINATED", "CANCELED", Status.CANCELLED),
    ("TERMINATED", "UPSTREAM_FAILED", Status.FAILED),
    ("TERMINATED", "UPSTREAM_CANCELED", Status.CANCELLED),
    ("TERMINATED", "EXCLUDED", Status.SKIPPED),
    ("TERMINATED", "DISABLED", Status.SKIPPED),
    ("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED", Status.SKIPPED),
    ("INTERNAL_ERROR", None, Status.FAILED),
]

# Where `status` alone says less than `state`: Databricks has no termination code for a timeout or an
# upstream failure, so a `status`-only reader sees a cancel or a skip.
STATUS_ONLY: dict[tuple[str, str | None], Status] = {
    ("WAITING_FOR_RETRY", None): Status.QUEUED,
    ("TERMINATED", "TIMEDOUT"): Status.CANCELLED,
    ("TERMINATED", "UPSTREAM_FAILED"): Status.SKIPPED,
    ("TERMINATED", "UPSTREAM_CANCELED"): Status.SKIPPED,
}


def sdk_run(life: str, result: str | None) -> jobs.Run:
    """A local run in `life`/`result`, as the SDK parses the workspace's runs/get answer."""
    run = JobRun(run_id=7, job_id=3, start_time=1_000)
    run.finish(life, result, "why")
    return jobs.Run.from_dict(run.to_api("http://127.0.0.1:8765"))


@pytest.mark.parametrize(("life", "result", "expected"), STATES)
def test_a_local_run_reads_as_the_status_of_its_states(
    life: str, result: str | None, expected: Status
) -> None:
    reading = read_run(sdk_run(life, result))
    assert reading.status == expected
    assert reading.raw.startswith(life)
    assert reading.message == "why"


@pytest.mark.parametrize(("life", "result", "expected"), STATES)
def test_reading_status_alone_loses_only_what_databricks_codes_cannot_say(
    life: str, result: str | None, expected: Status
) -> None:
    run = sdk_run(life, result)
    assert run.status is not None
    alone = read_state(None, run.status).status
    assert alone == STATUS_ONLY.get((life, result), expected)
    assert (alone in TERMINAL) == (expected in TERMINAL), "both readings agree whether the run has ended"


def test_a_terminal_run_says_why_in_its_termination_details() -> None:
    run = sdk_run("TERMINATED", "FAILED")
    assert run.status is not None and run.status.termination_details is not None
    details = run.status.termination_details
    assert details.code == jobs.TerminationCodeCode.RUN_EXECUTION_ERROR
    assert details.type == jobs.TerminationTypeType.CLIENT_ERROR and details.message == "why"
    assert sdk_run("RUNNING", None).status.termination_details is None
