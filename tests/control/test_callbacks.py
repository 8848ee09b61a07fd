"""Signed callbacks: applied once, in order; forged, expired, replayed and reordered ones change nothing."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakerun.control.callbacks import CallbackRejectedError, attempt_secret
from lakerun.control.plane import ControlPlane
from lakerun.control.status import Status
from lakerun.runtime.signing import sign
from tests.control.conftest import make_attempt


def signed(
    plane: ControlPlane, attempt_id: str, sequence: int, kind: str, payload: dict, at: float | None = None
):
    body = json.dumps(
        {"sequence": sequence, "kind": kind, "sent_at": time.time(), "payload": payload}
    ).encode()
    timestamp = str(int(at if at is not None else time.time()))
    secret = attempt_secret(plane.ctx.server_key, attempt_id)
    return body, timestamp, sign(secret, timestamp, body)


def deliver(plane: ControlPlane, attempt_id: str, message: tuple[bytes, str, str]) -> str:
    return plane.receive_callback(attempt_id, *message)


def test_progress_then_completion(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    assert (
        deliver(plane, attempt.id, signed(plane, attempt.id, 1, "progress", {"progress": 0.5})) == "applied"
    )
    assert plane.runs.get(attempt.id).status == "RUNNING"
    assert (
        deliver(plane, attempt.id, signed(plane, attempt.id, 2, "completed", {"result": {"rows": 3}}))
        == "applied"
    )
    done = plane.detail(attempt.id)
    assert done.attempt.status == "SUCCESS"
    assert done.attempt.result == {"rows": 3}
    assert [(t.to_status, t.source) for t in done.transitions] == [
        ("CREATING", "api"),
        ("RUNNING", "callback"),
        ("SUCCESS", "callback"),
    ]


def test_duplicate_is_not_applied_twice(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    message = signed(plane, attempt.id, 1, "failed", {"error": "boom"})
    assert deliver(plane, attempt.id, message) == "applied"
    assert deliver(plane, attempt.id, message) == "duplicate"
    detail = plane.detail(attempt.id)
    assert detail.attempt.status == "FAILED"
    assert detail.attempt.error == "boom"
    assert len([t for t in detail.transitions if t.to_status == "FAILED"]) == 1


def test_forged_signature_is_rejected(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    body, timestamp, _ = signed(plane, attempt.id, 1, "completed", {})
    forged = sign("not-the-secret", timestamp, body)
    with pytest.raises(CallbackRejectedError) as caught:
        plane.receive_callback(attempt.id, body, timestamp, forged)
    assert caught.value.status_code == 401
    assert plane.runs.get(attempt.id).status == "CREATING"


def test_signature_of_another_attempt_is_rejected(plane: ControlPlane) -> None:
    mine, other = make_attempt(plane, "a"), make_attempt(plane, "b")
    with pytest.raises(CallbackRejectedError):
        deliver(plane, mine.id, signed(plane, other.id, 1, "completed", {}))


def test_expired_timestamp_is_rejected(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    old = time.time() - plane.ctx.settings.callback_window - 60
    with pytest.raises(CallbackRejectedError, match="window"):
        deliver(plane, attempt.id, signed(plane, attempt.id, 1, "completed", {}, at=old))
    assert plane.runs.get(attempt.id).status == "CREATING"


def test_malformed_body_names_the_problem(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    timestamp = str(int(time.time()))
    body = b'{"kind": "progress"}'
    secret = attempt_secret(plane.ctx.server_key, attempt.id)
    with pytest.raises(CallbackRejectedError, match="sequence"):
        plane.receive_callback(attempt.id, body, timestamp, sign(secret, timestamp, body))


EVENTS = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=12),
        st.sampled_from(["progress", "log", "metric", "result", "completed", "failed"]),
        st.floats(min_value=0, max_value=1),
    ),
    min_size=1,
    max_size=15,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
def test_any_order_of_deliveries_keeps_the_rules(
    plane: ControlPlane, events: list[tuple[int, str, float]]
) -> None:
    """Whatever arrives, duplicated or reordered: one terminal state at most, first terminal wins, progress
    only from the newest sequence applied."""
    attempt = make_attempt(plane, subject=f"prop-{time.monotonic_ns()}")
    first_by_sequence: dict[int, tuple[str, float]] = {}
    expected_terminal = None
    for sequence, kind, fraction in events:
        outcome = deliver(
            plane, attempt.id, signed(plane, attempt.id, sequence, kind, {"progress": fraction, "error": "x"})
        )
        if sequence in first_by_sequence:
            assert outcome == "duplicate"
            continue
        first_by_sequence[sequence] = (kind, fraction)
        if kind in ("completed", "failed") and expected_terminal is None:
            expected_terminal = Status.SUCCESS if kind == "completed" else Status.FAILED
    detail = plane.detail(attempt.id)
    terminal = [t for t in detail.transitions if Status(t.to_status).terminal]
    assert len(terminal) <= 1
    if expected_terminal is not None:
        assert detail.attempt.status == expected_terminal.value
    else:
        assert not Status(detail.attempt.status).terminal
    statuses = [Status(t.to_status) for t in detail.transitions]
    assert statuses == sorted(statuses, key=list(Status).index)


def test_concurrent_triggers_with_one_idempotency_key_make_one_attempt(plane: ControlPlane) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from lakerun.control.attempts import TriggerRequest

    request = TriggerRequest(
        subject_key="same", workspace="nowhere", tasks=[{"task_key": "t"}], idempotency_key="k-1"
    )
    with ThreadPoolExecutor(4) as pool:
        attempts = list(pool.map(lambda _: plane.runs.trigger(request), range(4)))
    assert len({a.id for a in attempts}) == 1
    history = plane.subject_history("default", "same")[1]
    assert len(history) == 1
