"""The attempt status vocabulary and the one rule that moves an attempt between statuses."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an attempt stands; shared by the database, the API, events and the dashboard."""

    CREATING = "CREATING"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMEDOUT = "TIMEDOUT"
    SKIPPED = "SKIPPED"

    @property
    def terminal(self) -> bool:
        """True once the attempt can never change status again."""
        return self in TERMINAL


class Source(StrEnum):
    """Who reported a transition: the launch call, the task's callback, the reconciler, or a user."""

    API = "api"
    CALLBACK = "callback"
    POLL = "poll"
    USER = "user"


TERMINAL = frozenset({Status.SUCCESS, Status.FAILED, Status.CANCELLED, Status.TIMEDOUT, Status.SKIPPED})
ACTIVE = (Status.CREATING, Status.QUEUED, Status.RUNNING)
_RANK = {Status.CREATING: 0, Status.QUEUED: 1, Status.RUNNING: 2}


def may_move(current: Status, target: Status) -> bool:
    """True when `current -> target` moves forward: terminal states never change, active ones never go back."""
    if current.terminal or current == target:
        return False
    if target.terminal:
        return True
    return _RANK[target] > _RANK[current]
