"""Following attempts live for `lakerun runs watch` and `--wait`: the typed client's event stream, with the API
polled before each (re)connection and whenever the client gives the stream up."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lakerun.client.calls import TERMINAL
from lakerun.client.errors import UnreachableError

if TYPE_CHECKING:
    from lakerun.client import Lakerun
    from lakerun.server.runs.schemas import AttemptOut

SUBJECT_POLL_LIMIT = 20


@dataclass
class Follower:
    """What a watch knows so far: each attempt's latest state.

    Events may arrive out of order or twice across reconnects: a terminal state is never replaced by an
    earlier one.
    """

    subjects: list[str]
    attempts: list[str]
    poll_seconds: float = 1.0
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)

    def done(self) -> bool:
        """True once every followed attempt has ended (never, when following subjects only)."""
        return bool(self.attempts) and all(
            self.seen.get(a, {}).get("state") in TERMINAL for a in self.attempts
        )

    def apply(self, attempt_id: str, update: dict[str, Any]) -> None:
        """Merges what an event or a poll says about an attempt, keeping a terminal state once reached."""
        current = self.seen.get(attempt_id, {})
        if current.get("state") in TERMINAL and update.get("state") not in TERMINAL:
            update = {k: v for k, v in update.items() if k != "state"}
        self.seen[attempt_id] = {**current, **update}

    def follow(self, client: Lakerun, refresh: Callable[[], None]) -> None:
        """Polls, then reads the client's stream (it reconnects and resumes by id) until done; when the client
        gives the stream up, polls again after `poll_seconds` and follows anew (attempts from their first event)."""
        replay_from = 0 if self.attempts else None
        while True:
            self.poll(client)
            refresh()
            if self.done():
                return
            with contextlib.suppress(UnreachableError):
                for event in client.events(self.subjects, self.attempts, replay_from):
                    if event.attempt_id is not None:
                        self.apply(event.attempt_id, event.model_dump(exclude_none=True))
                    refresh()
                    if self.done():
                        return
            time.sleep(self.poll_seconds)

    def poll(self, client: Lakerun) -> None:
        """Reads the followed attempts' stored state from the API (the stream's fallback)."""
        with contextlib.suppress(UnreachableError):
            for attempt_id in self.attempts:
                self.apply(attempt_id, _as_event(client.get(attempt_id)))
            for subject in self.subjects:
                for item in client.list(subject_key=subject, limit=SUBJECT_POLL_LIMIT).items:
                    self.apply(item.id, _as_event(item))


def _as_event(attempt: AttemptOut) -> dict[str, Any]:
    """An attempt as the API returns it, in the fields a watch shows from events."""
    return {
        "attempt_id": attempt.id,
        "state": attempt.status,
        **attempt.model_dump(include={"subject", "run_url"}),
    }
