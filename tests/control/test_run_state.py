"""Every Databricks life-cycle and result state maps to one lakerun status."""

from __future__ import annotations

import pytest
from databricks.sdk.service import jobs

from lakerun.control.run_state import read_state
from lakerun.control.status import Status


@pytest.mark.parametrize(
    ("life", "result", "expected"),
    [
        ("QUEUED", None, Status.QUEUED),
        ("PENDING", None, Status.QUEUED),
        ("BLOCKED", None, Status.QUEUED),
        ("RUNNING", None, Status.RUNNING),
        ("TERMINATING", None, Status.RUNNING),
        ("WAITING_FOR_RETRY", None, Status.RUNNING),
        ("TERMINATED", "SUCCESS", Status.SUCCESS),
        ("TERMINATED", "FAILED", Status.FAILED),
        ("TERMINATED", "SUCCESS_WITH_FAILURES", Status.FAILED),
        ("TERMINATED", "UPSTREAM_FAILED", Status.FAILED),
        ("TERMINATED", "TIMEDOUT", Status.TIMEDOUT),
        ("TERMINATED", "CANCELED", Status.CANCELLED),
        ("TERMINATED", "UPSTREAM_CANCELED", Status.CANCELLED),
        ("TERMINATED", "EXCLUDED", Status.SKIPPED),
        ("TERMINATED", "DISABLED", Status.SKIPPED),
        ("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED", Status.SKIPPED),
        ("INTERNAL_ERROR", "FAILED", Status.FAILED),
    ],
)
def test_legacy_states(life: str, result: str | None, expected: Status) -> None:
    state = jobs.RunState(
        life_cycle_state=jobs.RunLifeCycleState(life),
        result_state=jobs.RunResultState(result) if result else None,
        state_message="why",
    )
    reading = read_state(state)
    assert reading.status == expected
    assert reading.raw.startswith(life)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("SUCCESS", Status.SUCCESS), ("USER_CANCELED", Status.CANCELLED), ("DRIVER_ERROR", Status.FAILED)],
)
def test_termination_details_without_legacy_state(code: str, expected: Status) -> None:
    status = jobs.RunStatus(
        state=jobs.RunLifecycleStateV2State.TERMINATED,
        termination_details=jobs.TerminationDetails(code=jobs.TerminationCodeCode(code), message="detail"),
    )
    reading = read_state(None, status)
    assert reading.status == expected
    assert reading.message == "detail"
    assert code in reading.raw
