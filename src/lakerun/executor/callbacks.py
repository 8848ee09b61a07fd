"""Signed callbacks from a task to the lakerun control plane: progress, logs, metrics, results, outcome.

A task gets three values from the control plane (as `--lakerun-*` arguments, job parameters or
environment variables): its attempt id, the callback URL and its per-attempt secret, or a reference
to that secret (`scope/key` of a workspace secret scope, or any `lakerun.runtime.secrets` reference).
Each event is JSON `{"sequence", "kind", "sent_at", "payload"}` signed with HMAC-SHA256 over
`"<timestamp>.<body>"` (`lakerun.runtime.signing`).
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lakerun.errors import LakerunError
from lakerun.runtime import outbound, secrets
from lakerun.runtime.signing import signature_headers

KINDS = ("progress", "log", "metric", "result", "completed", "failed")
_SETTINGS = (
    "lakerun_attempt_id",
    "lakerun_callback_url",
    "lakerun_callback_secret",
    "lakerun_callback_secret_ref",
)


class CallbackError(LakerunError):
    """The control plane refused an event, stayed unreachable through every retry, or its secret is unreadable."""


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
        if not (values["lakerun_attempt_id"] and values["lakerun_callback_url"]):
            return None
        secret = values["lakerun_callback_secret"] or _read_secret_ref(values["lakerun_callback_secret_ref"])
        if not secret:
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
        policy = outbound.RetryPolicy(attempts=self.retries + 1, first_delay=0.2, max_delay=5.0)
        try:
            response = outbound.post(
                self.url,
                body,
                lambda: {"Content-Type": "application/json", **signature_headers(self.secret, body)},
                policy=policy,
                timeout=self.timeout,
            )
        except outbound.DeliveryError as exc:
            raise CallbackError(f"callback to {self.url} failed: {exc}") from exc
        return dict(response.json())


def _read_secret_ref(ref: str) -> str:
    """The secret behind a reference; a bare `scope/key` names a secret scope. Unreadable is an error, not
    callbacks silently off."""
    if not ref:
        return ""
    try:
        return secrets.resolve(ref if secrets.is_reference(ref) else f"secret:{ref}")
    except secrets.SecretReferenceError as exc:
        raise CallbackError(f"callback secret cannot be read: {exc}") from None


def _from_argv(argv: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for arg in argv:
        name, sep, value = arg.partition("=")
        key = name.lstrip("-").replace("-", "_")
        if sep and name.startswith("--") and key in _SETTINGS:
            values[key] = value
    return values
