"""Receiving a task's signed events: authenticate, drop duplicates and stale ones, apply the rest once."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lakerun.control.attempts import move, publish
from lakerun.control.status import Source, Status
from lakerun.control.uow import UnitOfWork
from lakerun.errors import RejectedError
from lakerun.executor.callbacks import KINDS
from lakerun.runtime.signing import sign
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import AttemptRow, CallbackEventRow, SubjectRow, utcnow
from lakerun.store.records import CallbackEventRepository

MAX_SEQUENCE = 2**31 - 1
"""Sequences are stored as 32-bit integers; a task numbers its events from 1."""


class CallbackRejectedError(RejectedError):
    """A callback that must not be applied; `status_code` is what the HTTP layer answers."""


def attempt_secret(server_key: bytes, attempt_id: str) -> str:
    """The per-attempt callback secret: derived from the server key, so nothing secret is stored per attempt."""
    return hmac.new(server_key, f"lakerun-attempt:{attempt_id}".encode(), hashlib.sha256).hexdigest()


def verify(
    server_key: bytes,
    *,
    attempt_id: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    window: float,
) -> None:
    """Raises CallbackRejectedError unless the signature matches and the timestamp is within the window."""
    if not timestamp or not signature:
        raise CallbackRejectedError("missing signature or timestamp header", 401)
    expected = sign(attempt_secret(server_key, attempt_id), timestamp, body)
    if not hmac.compare_digest(expected, signature):
        raise CallbackRejectedError("bad signature", 401)
    try:
        age = abs(time.time() - float(timestamp))
    except ValueError as exc:
        raise CallbackRejectedError("timestamp is not a number", 401) from exc
    if not math.isfinite(age) or age > window:
        raise CallbackRejectedError(
            f"timestamp outside the {int(window)} s window (replay or clock skew)", 401
        )


@dataclass(frozen=True)
class CallbackEvent:
    """A parsed callback body."""

    sequence: int
    kind: str
    sent_at: datetime
    payload: dict[str, Any]

    @classmethod
    def parse(cls, body: bytes) -> CallbackEvent:
        """The event in `body`, or CallbackRejectedError(422) naming what is wrong."""
        try:
            data = json.loads(body)
            sequence, kind = int(data["sequence"]), str(data["kind"])
            sent_at = datetime.fromtimestamp(float(data.get("sent_at") or time.time()), UTC)
            payload = data.get("payload") or {}
        except (ValueError, KeyError, TypeError, OverflowError, OSError, RecursionError) as exc:
            raise CallbackRejectedError(f"malformed callback body: {type(exc).__name__}: {exc}", 422) from exc
        if not 1 <= sequence <= MAX_SEQUENCE:
            raise CallbackRejectedError(f"sequence must be between 1 and {MAX_SEQUENCE}", 422)
        if kind not in KINDS or not isinstance(payload, dict):
            raise CallbackRejectedError(f"callback kind must be one of {KINDS}, payload an object", 422)
        return cls(sequence, kind, sent_at, payload)


def receive(uow: UnitOfWork, attempt_id: str, event: CallbackEvent, result_limit: int) -> str:
    """Stores and applies an event once; returns `applied`, `duplicate` or `stale`.

    A result that would grow past `result_limit` bytes of JSON is refused (413) and nothing is stored.
    """
    attempt = AttemptRepository(uow.session).get(attempt_id, lock=True)
    if attempt is None:
        raise CallbackRejectedError("unknown attempt", 404)
    row = CallbackEventRow(
        attempt_id=attempt_id,
        sequence=event.sequence,
        kind=event.kind,
        sent_at=event.sent_at,
        payload=event.payload,
    )
    if not CallbackEventRepository(uow.session).add_once(row):
        return "duplicate"
    attempt.last_callback_at = utcnow()
    return "applied" if _apply(uow, attempt, event, result_limit) else "stale"


def _apply(uow: UnitOfWork, attempt: AttemptRow, event: CallbackEvent, result_limit: int) -> bool:
    payload = event.payload
    if event.kind == "completed":
        won = move(
            uow,
            attempt,
            Status.SUCCESS,
            Source.CALLBACK,
            reason=payload.get("message") or "task reported completion",
        )
        if won:
            _merge_result(attempt, payload.get("result"), result_limit)
        return won
    if event.kind == "failed":
        error = str(payload.get("error") or payload.get("message") or "task reported failure")
        return move(uow, attempt, Status.FAILED, Source.CALLBACK, reason="task reported failure", error=error)
    if event.kind == "result":
        if Status(attempt.status).terminal:
            return False
        _merge_result(attempt, payload, result_limit)
        return True
    if event.kind == "progress":
        return _progress(uow, attempt, event)
    return True


def _merge_result(attempt: AttemptRow, result: Any, limit: int) -> None:
    if not isinstance(result, dict):
        return
    merged = {**(attempt.result or {}), **result}
    size = len(json.dumps(merged).encode())
    if size > limit:
        raise CallbackRejectedError(
            f"result would take {size} bytes, more than the {limit} bytes allowed (callback_max_bytes)", 413
        )
    attempt.result = merged


def _progress(uow: UnitOfWork, attempt: AttemptRow, event: CallbackEvent) -> bool:
    """Applies progress only if it is newer than what was applied and the attempt is still active."""
    if Status(attempt.status).terminal or event.sequence <= attempt.last_sequence:
        return False
    try:
        fraction = min(1.0, max(0.0, float(event.payload.get("progress", 0.0))))
    except (TypeError, ValueError) as exc:
        raise CallbackRejectedError("progress must be a number between 0 and 1", 422) from exc
    attempt.last_sequence = event.sequence
    attempt.progress = fraction
    move(uow, attempt, Status.RUNNING, Source.CALLBACK, reason="task reported progress")
    subject = uow.session.get(SubjectRow, attempt.subject_id)
    publish(
        uow,
        "run.progress",
        attempt,
        subject,
        task=event.payload.get("task"),
        message=event.payload.get("message"),
    )
    return True
