"""Signed callbacks from a task to the lakerun control plane: progress, logs, metrics, results, outcome.

A task gets three values from the control plane (as `--lakerun-*` arguments, job parameters or
environment variables): its attempt id, the callback URL and its per-attempt secret, or a
`scope/key` reference to that secret in a workspace secret scope (read through `dbutils.secrets`).
Each event is JSON `{"sequence", "kind", "sent_at", "payload"}` signed with HMAC-SHA256 over
`"<timestamp>.<body>"`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from lakerun.errors import LakerunError

KINDS = ("progress", "log", "metric", "result", "completed", "failed")
SIGNATURE_HEADER = "X-Lakerun-Signature"
TIMESTAMP_HEADER = "X-Lakerun-Timestamp"
_SETTINGS = (
    "lakerun_attempt_id",
    "lakerun_callback_url",
    "lakerun_callback_secret",
    "lakerun_callback_secret_ref",
)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (seconds since the epoch, as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


class CallbackError(LakerunError):
    """The control plane refused an event or stayed unreachable through every retry."""


@dataclass
class CallbackClient:
    """Sends numbered, signed events for one attempt; retries transient failures with backoff."""

    attempt_id: str
    url: str
    secret: str
    retries: int = 5
    timeout: float = 10.0
    _sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_env(cls, argv: Sequence[str] | None = None) -> CallbackClient | None:
        """The client configured by `--lakerun-*` arguments or LAKERUN_* variables; None when not configured."""
        values = _from_argv(sys.argv[1:] if argv is None else argv)
        for name in _SETTINGS:
            values[name] = values.get(name) or os.environ.get(name.upper(), "")
        secret = values["lakerun_callback_secret"] or _read_secret_ref(values["lakerun_callback_secret_ref"])
        if not (values["lakerun_attempt_id"] and values["lakerun_callback_url"] and secret):
            return None
        return cls(values["lakerun_attempt_id"], values["lakerun_callback_url"], secret)

    def send(self, kind: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Sends one event and returns the control plane's answer."""
        if kind not in KINDS:
            raise ValueError(f"callback kind {kind!r} is not one of {', '.join(KINDS)}")
        with self._lock:
            sequence = next(self._sequence)
        body = json.dumps(
            {"sequence": sequence, "kind": kind, "sent_at": time.time(), "payload": payload or {}}
        ).encode()
        return self._post(body)

    def progress(
        self, fraction: float, message: str | None = None, task: str | None = None
    ) -> dict[str, Any]:
        """Reports progress between 0 and 1, as measured by the task itself."""
        return self.send("progress", {"progress": fraction, "message": message, "task": task})

    def _post(self, body: bytes) -> dict[str, Any]:
        last_error: Exception | None = None
        for attempt in range(self.retries + 1):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            }
            try:
                response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
            except httpx.TransportError as exc:
                last_error = exc
            else:
                if response.status_code < 300:
                    return dict(response.json())
                if response.status_code < 500 and response.status_code != 429:
                    raise CallbackError(f"callback refused ({response.status_code}): {response.text[:300]}")
                last_error = CallbackError(f"callback failed ({response.status_code})")
            time.sleep(min(0.2 * 2**attempt, 5.0))
        raise CallbackError(f"callback to {self.url} failed after {self.retries + 1} tries: {last_error}")


def _read_secret_ref(ref: str) -> str:
    """The secret behind `scope/key` via `dbutils.secrets`; empty (callbacks off) when it cannot be read."""
    scope, _, key = ref.partition("/")
    if not (scope and key):
        return ""
    try:
        import builtins

        dbutils: Any = getattr(builtins, "dbutils", None)
        if dbutils is None:
            from databricks.sdk.runtime import dbutils
        return str(dbutils.secrets.get(scope=scope, key=key))
    except Exception as exc:
        print(
            f"lakerun callbacks disabled: cannot read secret {scope}/{key}: {type(exc).__name__}",
            file=sys.stderr,
        )
        return ""


def _from_argv(argv: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for arg in argv:
        name, sep, value = arg.partition("=")
        key = name.lstrip("-").replace("-", "_")
        if sep and name.startswith("--") and key in _SETTINGS:
            values[key] = value
    return values
