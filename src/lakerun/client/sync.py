"""`Lakerun`: the blocking client for application backends (Flask, Django, scripts)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import httpx

from lakerun.client import calls
from lakerun.client.calls import RunEvent
from lakerun.client.errors import UnreachableError, WaitTimeoutError
from lakerun.server.runs.schemas import (
    AttemptDetailOut,
    AttemptOut,
    AttemptPage,
    BulkItemOut,
    SubjectHistoryOut,
    SubjectOut,
    TriggerBody,
)

T = TypeVar("T")
BulkItems = list[BulkItemOut]
Subjects = list[SubjectOut]
Outputs = list[dict[str, Any]]
Keys = list[str]


class Lakerun:
    """A control plane at `url`, called with an API token; a context manager closing its connections."""

    def __init__(
        self, url: str, token: str, timeout: float = 120.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> Lakerun:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the HTTP connections."""
        self.http.close()

    def _send(self, call: calls.Call[T]) -> T:
        try:
            response = self.http.request(call.method, call.path, params=call.params, json=call.body)
        except httpx.HTTPError as exc:
            raise calls.transport_error(exc, self.url) from exc
        return calls.read(call, response)

    def trigger(self, subject_key: str | TriggerBody, **fields: Any) -> AttemptOut:
        """Start one attempt (`TriggerBody` fields: tasks, strategy, job_key, parameters, idempotency_key...)."""
        body = calls.trigger_body(subject_key, fields)
        return self._send(calls.trigger(body))

    def bulk_trigger(self, items: Iterable[TriggerBody]) -> BulkItems:
        """Start many subjects at once, each its own attempt; failures come back per item."""
        return self._send(calls.bulk_trigger(items))

    def get(self, attempt_id: str) -> AttemptDetailOut:
        """An attempt with its tasks, transitions and task events."""
        return self._send(calls.get(attempt_id))

    def list(self, **filters: Any) -> AttemptPage:
        """A page of attempts, newest first: `status=[...]`, `subject_key`, `subject_kind`, `limit`, `offset`."""
        return self._send(calls.list_runs(**filters))

    def subjects(self, kind: str | None = None, limit: int = 50, offset: int = 0) -> Subjects:
        """Subjects, most recently attempted first."""
        return self._send(calls.subjects(kind, limit, offset))

    def history(self, kind: str, key: str) -> SubjectHistoryOut:
        """A subject's counters and all its attempts, newest first."""
        return self._send(calls.history(kind, key))

    def cancel(self, attempt_id: str) -> AttemptOut:
        """Cancel the attempt's run; returns once the workspace confirmed the end."""
        return self._send(calls.action(attempt_id, "cancel"))

    def retry(self, attempt_id: str, concurrent: bool = False) -> AttemptOut:
        """A new attempt of the same subject with the same work."""
        return self._send(calls.action(attempt_id, "retry", {"concurrent": concurrent}))

    def repair(self, attempt_id: str, tasks: Keys | None = None) -> AttemptOut:
        """Re-run the failed (or the named) tasks of a finished run, as a new attempt on the same run."""
        return self._send(calls.repair(attempt_id, tasks))

    def output(self, attempt_id: str, task_key: str | None = None) -> Outputs:
        """Each task's output (logs, notebook result, error) as the workspace reports it."""
        return self._send(calls.output(attempt_id, task_key))

    def events(
        self, subjects: Iterable[str] = (), attempts: Iterable[str] = (), last_event_id: int | None = None
    ) -> Iterator[RunEvent]:
        """Live `run.*` events (everything when no filter), reconnecting and resuming by event id when cut."""
        return self._follow(list(subjects), list(attempts), last_event_id, None)

    def _follow(
        self, subjects: Keys, attempts: Keys, last_event_id: int | None, deadline: float | None
    ) -> Iterator[RunEvent]:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        from websockets.sync.client import connect

        failures, resume = 0, calls.ResumePoint(last_event_id)
        while True:
            url = calls.events_url(self.url, subjects, attempts, resume.after)
            try:
                with connect(url, additional_headers=calls.auth_header(self.token)) as socket:
                    failures = 0
                    while True:
                        text = socket.recv(timeout=calls.remaining(deadline))
                        event = resume.take(text)
                        if event is not None:
                            yield event
            except TimeoutError as exc:
                raise WaitTimeoutError("no end seen before the timeout") from exc
            except (ConnectionClosed, InvalidHandshake, OSError) as exc:
                failures = calls.reconnect_or_raise(failures, exc, self.url)
                time.sleep(calls.backoff(failures))

    def wait(
        self, attempt_id: str, timeout: float | None = None, poll_interval: float = 2.0
    ) -> AttemptDetailOut:
        """The attempt once it has ended: followed over the WebSocket (resumed when cut), polled if that fails."""
        deadline = None if timeout is None else time.monotonic() + timeout
        attempt = self.get(attempt_id)
        if attempt.status in calls.TERMINAL:
            return attempt
        try:
            for event in self._follow([], [attempt_id], 0, deadline):
                if event.attempt_id == attempt_id and event.terminal:
                    return self.get(attempt_id)
        except WaitTimeoutError:
            raise WaitTimeoutError(f"attempt {attempt_id} had not ended after {timeout} s") from None
        except (ImportError, UnreachableError):
            pass
        return self._poll(attempt_id, deadline, poll_interval)

    def _poll(self, attempt_id: str, deadline: float | None, interval: float) -> AttemptDetailOut:
        while True:
            attempt = self.get(attempt_id)
            if attempt.status in calls.TERMINAL:
                return attempt
            if deadline is not None and time.monotonic() > deadline:
                raise WaitTimeoutError(
                    f"attempt {attempt_id} had not ended after the timeout (last seen {attempt.status})"
                )
            time.sleep(interval)
