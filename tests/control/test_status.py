"""The status rule: forward only, terminal forever."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lakerun.control.status import TERMINAL, Status, may_move


def test_forward_moves_are_allowed() -> None:
    assert may_move(Status.CREATING, Status.QUEUED)
    assert may_move(Status.QUEUED, Status.RUNNING)
    assert may_move(Status.CREATING, Status.FAILED)
    assert may_move(Status.RUNNING, Status.SUCCESS)


def test_backward_and_terminal_moves_are_refused() -> None:
    assert not may_move(Status.RUNNING, Status.QUEUED)
    assert not may_move(Status.SUCCESS, Status.FAILED)
    assert not may_move(Status.CANCELLED, Status.RUNNING)
    assert not may_move(Status.RUNNING, Status.RUNNING)


@given(st.lists(st.sampled_from(list(Status)), max_size=30))
def test_any_sequence_of_reports_ends_in_at_most_one_terminal(reports: list[Status]) -> None:
    current = Status.CREATING
    terminal_seen = []
    for target in reports:
        if may_move(current, target):
            current = target
            if current in TERMINAL:
                terminal_seen.append(current)
    assert len(terminal_seen) <= 1
    if terminal_seen:
        assert current == terminal_seen[0]
