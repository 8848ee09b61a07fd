"""`AsyncLakerun`: the asyncio client for FastAPI and other async application backends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
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


class AsyncLakerun:
    """A control plane at `url`, called with an API token; an async context manager closing its connections."""

    def __init__(
        self, url: str, token: str, timeout: float = 120.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    async def __aenter__(self) -> AsyncLakerun:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the HTTP connections."""
        await self.http.aclose()

    async def _send(self, call: calls.Call[T]) -> T:
        try:
            response = await self.http.request(call.method, call.path, params=call.params, json=call.body)
        except httpx.HTTPError as exc:
            raise calls.transport_error(exc, self.url) from exc
        return calls.read(call, response)

    async def trigger(self, subject_key: str | TriggerBody, **fields: Any) -> AttemptOut:
        """Start one attempt (`TriggerBody` fields: tasks, strategy, job_key, parameters, idempotency_key...)."""
        body = calls.trigger_body(subject_key, fields)
        return await self._send(calls.trigger(body))

    async def bulk_trigger(self, items: Iterable[TriggerBody]) -> BulkItems:
        """Start many subjects at once, each its own attempt; failures come back per item."""
        return await self._send(calls.bulk_trigger(items))

    async def get(self, attempt_id: str) -> AttemptDetailOut:
        """An attempt with its tasks, transitions and task events."""
        return await self._send(calls.get(attempt_id))

    async def list(self, **filters: Any) -> AttemptPage:
        """A page of attempts, newest first: `status=[...]`, `subject_key`, `subject_kind`, `limit`, `offset`."""
        return await self._send(calls.list_runs(**filters))

    async def subjects(self, kind: str | None = None, limit: int = 50, offset: int = 0) -> Subjects:
        """Subjects, most recently attempted first."""
        return await self._send(calls.subjects(kind, limit, offset))

    async def history(self, kind: str, key: str) -> SubjectHistoryOut:
        """A subject's counters and all its attempts, newest first."""
        return await self._send(calls.history(kind, key))

    async def cancel(self, attempt_id: str) -> AttemptOut:
        """Cancel the attempt's run; returns once the workspace confirmed the end."""
        return await self._send(calls.action(attempt_id, "cancel"))

    async def retry(self, attempt_id: str, concurrent: bool = False) -> AttemptOut:
        """A new attempt of the same subject with the same work."""
        return await self._send(calls.action(attempt_id, "retry", {"concurrent": concurrent}))

    async def repair(self, attempt_id: str, tasks: Keys | None = None) -> AttemptOut:
        """Re-run the failed (or the named) tasks of a finished run, as a new attempt on the same run."""
        return await self._send(calls.repair(attempt_id, tasks))

    async def output(self, attempt_id: str, task_key: str | None = None) -> Outputs:
        """Each task's output (logs, notebook result, error) as the workspace reports it."""
        return await self._send(calls.output(attempt_id, task_key))

    def events(
        self, subjects: Iterable[str] = (), attempts: Iterable[str] = (), last_event_id: int | None = None
    ) -> AsyncIterator[RunEvent]:
        """Live `run.*` events (everything when no filter), reconnecting and resuming by event id when cut."""
        return self._follow(list(subjects), list(attempts), last_event_id, None)

    async def _follow(
        self, subjects: Keys, attempts: Keys, last_event_id: int | None, deadline: float | None
    ) -> AsyncIterator[RunEvent]:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        failures, resume = 0, calls.ResumePoint(last_event_id)
        while True:
            url = calls.events_url(self.url, subjects, attempts, resume.after)
            try:
                async with connect(url, additional_headers=calls.auth_header(self.token)) as socket:
                    failures = 0
                    while True:
                        text = await asyncio.wait_for(socket.recv(), calls.remaining(deadline))
                        event = resume.take(text)
                        if event is not None:
                            yield event
            except TimeoutError as exc:
                raise WaitTimeoutError("no end seen before the timeout") from exc
            except (ConnectionClosed, InvalidHandshake, OSError) as exc:
                failures = calls.reconnect_or_raise(failures, exc, self.url)
                await asyncio.sleep(calls.backoff(failures))

    async def wait(
        self, attempt_id: str, timeout: float | None = None, poll_interval: float = 2.0
    ) -> AttemptDetailOut:
        """The attempt once it has ended: followed over the WebSocket (resumed when cut), polled if that fails."""
        deadline = None if timeout is None else time.monotonic() + timeout
        attempt = await self.get(attempt_id)
        if attempt.status in calls.TERMINAL:
            return attempt
        try:
            async for event in self._follow([], [attempt_id], 0, deadline):
                if event.attempt_id == attempt_id and event.terminal:
                    return await self.get(attempt_id)
        except WaitTimeoutError:
            raise WaitTimeoutError(f"attempt {attempt_id} had not ended after {timeout} s") from None
        except (ImportError, UnreachableError):
            pass
        return await self._poll(attempt_id, deadline, poll_interval)

    async def _poll(self, attempt_id: str, deadline: float | None, interval: float) -> AttemptDetailOut:
        while True:
            attempt = await self.get(attempt_id)
            if attempt.status in calls.TERMINAL:
                return attempt
            if deadline is not None and time.monotonic() > deadline:
                raise WaitTimeoutError(
                    f"attempt {attempt_id} had not ended after the timeout (last seen {attempt.status})"
                )
            await asyncio.sleep(interval)
