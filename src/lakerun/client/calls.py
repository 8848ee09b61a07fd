"""Each API operation as data (method, path, body, how to read the answer), shared by the sync and async clients."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

import httpx
import pydantic
from pydantic import BaseModel, ConfigDict, TypeAdapter

from lakerun.client.errors import (
    ApiError,
    UnauthorizedError,
    UnreachableError,
    ValidationError,
    error_for,
)
from lakerun.server.runs.schemas import (
    AttemptDetailOut,
    AttemptOut,
    AttemptPage,
    BulkItemOut,
    BulkTriggerBody,
    RepairBody,
    SubjectHistoryOut,
    SubjectOut,
    TriggerBody,
)

T = TypeVar("T")
TERMINAL = frozenset({"SUCCESS", "FAILED", "CANCELLED", "TIMEDOUT", "SKIPPED"})


class RunEvent(BaseModel):
    """One `run.*` event from `/v1/events`: what became true about an attempt, with its stored id for resuming."""

    model_config = ConfigDict(extra="allow")
    id: int
    type: str
    attempt_id: str | None = None
    attempt_number: int | None = None
    subject: dict[str, str] | None = None
    job_key: str | None = None
    run_id: int | None = None
    run_url: str | None = None
    state: str | None = None
    raw_state: str | None = None
    progress: float | None = None
    eta_seconds: float | None = None
    error: str | None = None

    @property
    def terminal(self) -> bool:
        """True when the attempt ended with this event."""
        return self.state in TERMINAL


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP request and the reader of its JSON answer."""

    method: str
    path: str
    read: Callable[[Any], T]
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None


def _model(kind: Any) -> Callable[[Any], Any]:
    return TypeAdapter(kind).validate_python


def trigger_body(subject: str | TriggerBody, fields: dict[str, Any]) -> TriggerBody:
    """The trigger's body, checked here first: a bad field raises the client's `ValidationError` naming it."""
    if isinstance(subject, TriggerBody):
        return subject
    try:
        return TriggerBody(subject_key=subject, **fields)
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValidationError(problems) from exc


def trigger(body: TriggerBody) -> Call[AttemptOut]:
    """Start one attempt."""
    return Call("POST", "/v1/runs", _model(AttemptOut), body=body.model_dump(exclude_none=True))


def bulk_trigger(items: Iterable[TriggerBody]) -> Call[list[BulkItemOut]]:
    """Start many subjects at once."""
    body = BulkTriggerBody(items=list(items)).model_dump(exclude_none=True)
    return Call("POST", "/v1/runs/bulk", _model(list[BulkItemOut]), body=body)


def get(attempt_id: str) -> Call[AttemptDetailOut]:
    """An attempt with its tasks, transitions and task events."""
    return Call("GET", f"/v1/runs/{quote(attempt_id)}", _model(AttemptDetailOut))


def list_runs(**filters: Any) -> Call[AttemptPage]:
    """A page of attempts, newest first (`status`, `subject_key`, `subject_kind`, `limit`, `offset`)."""
    params = {k: v for k, v in filters.items() if v not in (None, [], ())}
    return Call("GET", "/v1/runs", _model(AttemptPage), params=params)


def subjects(kind: str | None, limit: int, offset: int) -> Call[list[SubjectOut]]:
    """Subjects, most recently attempted first."""
    params = {k: v for k, v in {"kind": kind, "limit": limit, "offset": offset}.items() if v is not None}
    return Call("GET", "/v1/subjects", _model(list[SubjectOut]), params=params)


def history(kind: str, key: str) -> Call[SubjectHistoryOut]:
    """A subject's counters and every attempt."""
    return Call(
        "GET", f"/v1/subjects/{quote(kind, safe='')}/{quote(key, safe='')}/history", _model(SubjectHistoryOut)
    )


def action(attempt_id: str, verb: str, body: Any = None) -> Call[AttemptOut]:
    """`cancel`, `retry` or `repair` an attempt."""
    return Call("POST", f"/v1/runs/{quote(attempt_id)}/{verb}", _model(AttemptOut), body=body)


def repair(attempt_id: str, tasks: list[str] | None) -> Call[AttemptOut]:
    """Re-run failed (or the named) tasks of a finished run."""
    return action(attempt_id, "repair", RepairBody(tasks=tasks).model_dump())


def output(attempt_id: str, task_key: str | None) -> Call[list[dict[str, Any]]]:
    """Each task's output as the workspace reports it."""
    params = {"task_key": task_key} if task_key else {}
    return Call("GET", f"/v1/runs/{quote(attempt_id)}/output", _model(list[dict[str, Any]]), params=params)


def read(call: Call[T], response: httpx.Response) -> T:
    """The call's answer, or the typed error its status stands for."""
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise error_for(response.status_code, detail if isinstance(detail, str) else str(detail))
    return call.read(response.json())


def transport_error(exc: httpx.HTTPError, base_url: str) -> ApiError:
    """A transport failure as the client's own error."""
    return UnreachableError(f"control plane {base_url} unreachable: {type(exc).__name__}: {exc}")


def events_url(
    base_url: str, subjects: Iterable[str], attempts: Iterable[str], last_event_id: int | None
) -> str:
    """The `/v1/events` WebSocket URL for these filters, resuming after `last_event_id` when given."""
    query = [("subject", s) for s in subjects] + [("attempt", a) for a in attempts]
    if last_event_id is not None:
        query.append(("last_event_id", str(last_event_id)))
    ws_base = "ws" + base_url.removeprefix("http")
    return f"{ws_base}/v1/events" + (f"?{urlencode(query)}" if query else "")


@dataclass
class ResumePoint:
    """Where a cut event stream resumes, and the ids above it already handed out.

    Events reach a stream out of id order, so the last id seen is not a safe resume point: the heartbeats'
    `resume_after` is (nothing at or below it is still to come). Resuming from it replays some ids again;
    those already handed out are dropped, so each event is yielded once.
    """

    after: int | None = None
    handed_out: set[int] = field(default_factory=set)

    def take(self, text: str | bytes) -> RunEvent | None:
        """The event in one WebSocket message if it is new, or None (a heartbeat, a repeat)."""
        data = json.loads(text)
        if data.get("type") == "heartbeat":
            self.after = max(self.after or 0, int(data.get("resume_after", 0)))
            self.handed_out = {i for i in self.handed_out if i > self.after}
            return None
        event = RunEvent.model_validate(data)
        if event.id in self.handed_out or (self.after is not None and event.id <= self.after):
            return None
        if self.after is None:
            self.after = event.id - 1
        self.handed_out.add(event.id)
        return event


def remaining(deadline: float | None) -> float | None:
    """Seconds left until `deadline` (never below a tenth of a second), or None without one."""
    return None if deadline is None else max(0.1, deadline - time.monotonic())


def backoff(failures: int) -> float:
    """Seconds to wait before reconnecting after `failures` consecutive failures."""
    return float(min(0.2 * 2**failures, 5.0))


def reconnect_or_raise(failures: int, exc: Exception, base_url: str, limit: int = 5) -> int:
    """One more failure; past `limit` in a row the stream is given up as unreachable."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status in (401, 403):
        raise UnauthorizedError(f"{status}: the events stream refused the API token", status) from exc
    failures += 1
    if failures > limit:
        raise UnreachableError(f"events stream of {base_url} lost: {type(exc).__name__}: {exc}") from exc
    return failures


def auth_header(token: str) -> dict[str, str]:
    """The header carrying the API token (on the WebSocket too, so the token never sits in a URL)."""
    return {"Authorization": f"Bearer {token}"}
