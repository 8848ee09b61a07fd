"""Following attempts live: the events WebSocket first, the HTTP API whenever the socket drops or goes quiet."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

TERMINAL = {"SUCCESS", "FAILED", "CANCELLED", "TIMEDOUT", "SKIPPED"}


@dataclass
class Follower:
    """What a watch knows so far: each attempt's latest state, the event ids applied, and where to resume.

    Events may arrive out of order or twice across reconnects: each id is applied once and a terminal
    state is never replaced by an earlier one.
    """

    url: str
    token: str
    subjects: list[str]
    attempts: list[str]
    quiet_seconds: float = 30.0
    poll_seconds: float = 1.0
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    applied: set[int] = field(default_factory=set)
    resume_after: int | None = None

    def __post_init__(self) -> None:
        if self.attempts:
            self.resume_after = 0

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

    def follow(self, refresh: Callable[[], None]) -> None:
        """Reads the socket until done; on a drop or `quiet_seconds` of silence polls the API and reconnects."""
        while not self.done():
            try:
                self._read_socket(refresh)
            except (OSError, TimeoutError, ConnectionError):
                pass
            except Exception as exc:  # websockets' ConnectionClosed and InvalidStatus
                if type(exc).__module__.split(".")[0] != "websockets":
                    raise
            if self.done():
                return
            self.poll()
            refresh()
            if not self.done():
                time.sleep(self.poll_seconds)

    def _read_socket(self, refresh: Callable[[], None]) -> None:
        from websockets.sync.client import connect

        with connect(self._socket_url(), open_timeout=10) as socket:
            self.poll()
            refresh()
            while not self.done():
                message = json.loads(socket.recv(timeout=self.quiet_seconds))
                if message.get("type") == "heartbeat":
                    self.resume_after = max(self.resume_after or 0, message.get("resume_after", 0))
                elif message["id"] not in self.applied:
                    self.applied.add(message["id"])
                    self.apply(message["attempt_id"], message)
                    refresh()

    def _socket_url(self) -> str:
        query = [
            ("token", self.token),
            *(("subject", s) for s in self.subjects),
            *(("attempt", a) for a in self.attempts),
        ]
        if self.resume_after is not None:
            query.append(("after", str(self.resume_after)))
        return self.url.replace("http", "ws", 1) + "/v1/events?" + urlencode(query)

    def poll(self) -> None:
        """Reads the followed attempts' stored state from the API (the socket's fallback)."""
        import httpx

        with contextlib.suppress(httpx.TransportError):
            self._poll_api(httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}))

    def _poll_api(self, api: Any) -> None:
        with api:
            for attempt_id in self.attempts:
                response = api.get(f"/v1/runs/{attempt_id}")
                if response.status_code == 200:
                    self.apply(attempt_id, _as_event(response.json()))
            for subject in self.subjects:
                response = api.get("/v1/runs", params={"subject_key": subject, "limit": 20})
                if response.status_code == 200:
                    for item in response.json()["items"]:
                        self.apply(item["id"], _as_event(item))


def _as_event(attempt: dict[str, Any]) -> dict[str, Any]:
    """An attempt as the API returns it, in the fields a watch shows from events."""
    return {
        "attempt_id": attempt["id"],
        "subject": attempt["subject"],
        "state": attempt["status"],
        "run_url": attempt.get("run_url"),
    }
