"""Status changes are compare-and-set: a writer holding a stale copy of an attempt loses and emits nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from lakerun.control.attempts import move
from lakerun.control.plane import ControlPlane
from lakerun.control.status import Source, Status
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import EventRow, TransitionRow
from tests.control.conftest import make_attempt


def counts(plane: ControlPlane, attempt_id: str) -> tuple[int, int]:
    with plane.ctx.sessions() as session:
        transitions = session.scalar(
            select(func.count(TransitionRow.id)).where(TransitionRow.attempt_id == attempt_id)
        )
        events = session.scalar(select(func.count(EventRow.id)).where(EventRow.attempt_id == attempt_id))
    return int(transitions or 0), int(events or 0)


def test_a_stale_poll_loses_to_a_committed_terminal_state(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    with plane.ctx.uow() as stale:
        copy = AttemptRepository(stale.session).get(attempt.id)
        assert copy is not None and copy.status == "CREATING"
        with plane.ctx.uow() as winner:
            row = AttemptRepository(winner.session).get(attempt.id, lock=True)
            assert row is not None
            assert move(winner, row, Status.SUCCESS, Source.CALLBACK, reason="done")
        before = counts(plane, attempt.id)
        assert not move(stale, copy, Status.FAILED, Source.POLL, reason="late poll", error="x")
        assert copy.status == "SUCCESS", "the loser learns the stored status"
    assert counts(plane, attempt.id) == before
    detail = plane.detail(attempt.id)
    assert detail.attempt.status == "SUCCESS" and detail.attempt.error is None


def test_a_stale_copy_still_moves_forward_from_the_stored_status(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    with plane.ctx.uow() as stale:
        copy = AttemptRepository(stale.session).get(attempt.id)
        assert copy is not None
        with plane.ctx.uow() as other:
            row = AttemptRepository(other.session).get(attempt.id, lock=True)
            assert row is not None and move(other, row, Status.RUNNING, Source.CALLBACK)
        assert move(stale, copy, Status.CANCELLED, Source.USER, reason="cancelled")
    detail = plane.detail(attempt.id)
    assert [(t.from_status, t.to_status) for t in detail.transitions] == [
        (None, "CREATING"),
        ("CREATING", "RUNNING"),
        ("RUNNING", "CANCELLED"),
    ]
