"""Task callbacks, metadata batches and webhooks all follow the one retry policy against a real receiver."""

from __future__ import annotations

import builtins
import gzip
import json

import httpx
import pytest

from lakerun.executor.callbacks import CallbackClient, CallbackError
from lakerun.executor.transmission import Platform, TransmissionError, send_batch
from lakerun.runtime.dbutils import WORKSPACE_MARKERS
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

pytestmark = pytest.mark.core


def test_a_callback_waits_out_429_and_is_delivered(receiver) -> None:
    control = receiver([(429, {"Retry-After": "1"}), (503, {})])
    client = CallbackClient("a-1", control.url, "attempt-secret")
    assert client.progress(0.5, "half") == {"ok": True}
    assert len(control.received) == 3
    body, headers = control.received[-1]
    assert headers[SIGNATURE_HEADER] == sign("attempt-secret", headers[TIMESTAMP_HEADER], body)


def test_a_refused_callback_is_not_retried(receiver) -> None:
    control = receiver([(401, {})])
    with pytest.raises(CallbackError, match=r"refused \(401\)"):
        CallbackClient("a-1", control.url, "attempt-secret").send("log", {"line": "x"})
    assert len(control.received) == 1


def test_an_unreadable_callback_secret_is_an_error_not_silence(monkeypatch) -> None:
    monkeypatch.delattr(builtins, "dbutils", raising=False)
    for name in WORKSPACE_MARKERS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("LAKERUN_SECRET_LAKERUN_CALLBACKS_3_A_1", raising=False)
    monkeypatch.delenv("LAKERUN_CALLBACK_SECRET", raising=False)
    argv = [
        "--lakerun-attempt-id=a-1",
        "--lakerun-callback-url=http://127.0.0.1:9/v1/callbacks/a-1",
        "--lakerun-callback-secret-ref=lakerun-callbacks-3/a-1",
    ]
    with pytest.raises(CallbackError, match="lakerun-callbacks-3/a-1"):
        CallbackClient.from_env(argv)
    monkeypatch.setenv("LAKERUN_SECRET_LAKERUN_CALLBACKS_3_A_1", "from-scope")
    client = CallbackClient.from_env(argv)
    assert client is not None and client.secret == "from-scope"


def test_a_metadata_batch_retries_5xx_but_not_400(receiver) -> None:
    platform = receiver([(502, {}), (400, {})])
    target = Platform(platform.url, "bearer", "key-1")
    body = gzip.compress(json.dumps({"records": []}).encode())
    with httpx.Client(timeout=5) as client, pytest.raises(TransmissionError, match="answered 400"):
        send_batch(client, target, body, "run-1")
    assert len(platform.received) == 2
    assert {headers["Idempotency-Key"] for _, headers in platform.received} == {"run-1"}
