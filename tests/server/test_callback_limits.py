"""The callback endpoint against odd and hostile input: oversized, non-finite, out-of-range, NUL-laden."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from lakerun.control.attempts import TriggerRequest, create_attempt
from lakerun.control.callbacks import attempt_secret
from lakerun.control.plane import ControlPlane
from lakerun.control.tokens import issue_token
from lakerun.local.server import free_port
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from lakerun.server.app import create_app
from lakerun.server.serve import start_in_thread
from lakerun.store.models import utcnow
from tests.server.callback_servers import plane_with_nowhere, quiet_settings
from tests.server.conftest import Stack, python_task

LIMIT = 64 * 1024


@dataclass
class Endpoint:
    """A served control plane and an API client for reading attempts back."""

    plane: ControlPlane
    api: httpx.Client

    def attempt(self) -> str:
        request = TriggerRequest(
            subject_key=f"odd-{time.monotonic_ns()}", workspace="nowhere", tasks=[{"task_key": "t"}]
        )
        with self.plane.ctx.uow() as uow:
            attempt, _ = create_attempt(uow, request, utcnow() + timedelta(hours=1), True)
        return attempt.id

    def post(self, attempt_id: str, body: bytes, timestamp: str | None = None) -> httpx.Response:
        timestamp = timestamp or str(int(time.time()))
        signature = sign(attempt_secret(self.plane.ctx.server_key, attempt_id), timestamp, body)
        return self.api.post(
            f"/v1/attempts/{attempt_id}/events",
            content=body,
            headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature},
        )

    def send(self, attempt_id: str, sequence: Any, kind: str, payload: Any, **extra: Any) -> httpx.Response:
        event = {"sequence": sequence, "kind": kind, "sent_at": time.time(), "payload": payload, **extra}
        return self.post(attempt_id, json.dumps(event).encode())

    def run(self, attempt_id: str) -> dict[str, Any]:
        response = self.api.get(f"/v1/runs/{attempt_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def endpoint(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    monkeypatch.setenv("LAKERUN_TEST_NOWHERE_TOKEN", "dapi-nowhere")
    port = free_port()
    settings = quiet_settings(database_url, tmp_path, port).model_copy(update={"callback_max_bytes": LIMIT})
    plane = plane_with_nowhere(settings)
    server = start_in_thread(create_app(settings, plane), plane, "127.0.0.1", port)
    token = issue_token(plane.ctx, "tests")
    api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    try:
        yield Endpoint(plane, api)
    finally:
        api.close()
        server.stop()
        plane.stop()


def answer_before_the_body(url: str, path: str, headers: dict[str, str], declared: int) -> bytes:
    """Sends the request line, headers declaring `declared` bytes and only 1 KB of them; returns the answer."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {declared}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + b"x" * 1024)
        return sock.recv(65536)


def test_an_unsigned_huge_body_is_refused_before_it_is_read(endpoint: Endpoint) -> None:
    attempt_id = endpoint.attempt()
    path = f"/v1/attempts/{attempt_id}/events"
    answer = answer_before_the_body(str(endpoint.api.base_url), path, {}, 64 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 401")
    signed = {TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: "v1=00"}
    answer = answer_before_the_body(str(endpoint.api.base_url), path, signed, 64 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_signed_body_past_the_limit_is_a_413_naming_it(endpoint: Endpoint) -> None:
    attempt_id = endpoint.attempt()
    response = endpoint.send(attempt_id, 1, "result", {"blob": "x" * (LIMIT + 10)})
    assert response.status_code == 413
    assert str(LIMIT) in response.json()["detail"]

    def chunked() -> Iterator[bytes]:
        yield b'{"sequence": 1, "kind": "log", "payload": {"m": "'
        for _ in range(4):
            yield b"y" * LIMIT
        yield b'"}}'

    timestamp = str(int(time.time()))
    unsized = endpoint.api.post(
        f"/v1/attempts/{attempt_id}/events",
        content=chunked(),
        headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: "v1=whatever"},
    )
    assert unsized.status_code == 413
    assert endpoint.run(attempt_id)["status"] == "CREATING"


def test_a_result_growing_past_the_limit_is_refused_and_nothing_is_stored(endpoint: Endpoint) -> None:
    attempt_id = endpoint.attempt()
    half = "z" * (LIMIT // 2)
    assert endpoint.send(attempt_id, 1, "result", {"a": half}).json()["outcome"] == "applied"
    refused = endpoint.send(attempt_id, 2, "completed", {"result": {"b": half}})
    assert refused.status_code == 413
    assert "callback_max_bytes" in refused.json()["detail"]
    run = endpoint.run(attempt_id)
    assert run["status"] == "CREATING" and set(run["result"]) == {"a"}
    assert endpoint.send(attempt_id, 2, "completed", {"result": {"b": 1}}).json()["outcome"] == "applied"
    assert endpoint.run(attempt_id)["result"] == {"a": half, "b": 1}


def test_a_result_after_the_end_does_not_change_the_result(endpoint: Endpoint) -> None:
    attempt_id = endpoint.attempt()
    endpoint.send(attempt_id, 1, "completed", {"result": {"rows": 3}})
    late = endpoint.send(attempt_id, 2, "result", {"rows": 999, "extra": True})
    assert late.status_code == 200 and late.json()["outcome"] == "stale"
    assert endpoint.run(attempt_id)["result"] == {"rows": 3}


@pytest.mark.parametrize("timestamp", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_a_non_finite_timestamp_is_refused(endpoint: Endpoint, timestamp: str) -> None:
    attempt_id = endpoint.attempt()
    body = json.dumps({"sequence": 1, "kind": "completed", "payload": {}}).encode()
    response = endpoint.post(attempt_id, body, timestamp=timestamp)
    assert response.status_code == 401
    assert endpoint.run(attempt_id)["status"] == "CREATING"


@pytest.mark.parametrize(
    ("field", "value"),
    [("sequence", 2**31), ("sequence", 10**30), ("sequence", 0), ("sent_at", 1e300), ("sent_at", "inf")],
)
def test_out_of_range_numbers_are_a_422_naming_the_field(endpoint: Endpoint, field: str, value: Any) -> None:
    attempt_id = endpoint.attempt()
    event = {"sequence": 1, "kind": "progress", "payload": {"progress": 0.1}, field: value}
    response = endpoint.post(attempt_id, json.dumps(event).encode())
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"] or "malformed" in response.json()["detail"]
    assert endpoint.run(attempt_id)["status"] == "CREATING"


def test_the_largest_sequence_is_accepted(endpoint: Endpoint) -> None:
    attempt_id = endpoint.attempt()
    assert endpoint.send(attempt_id, 2**31 - 1, "progress", {"progress": 0.5}).status_code == 200
    assert endpoint.run(attempt_id)["status"] == "RUNNING"


def test_deeply_nested_json_is_a_422(endpoint: Endpoint) -> None:
    attempt_id = endpoint.attempt()
    response = endpoint.post(attempt_id, b"[" * 30000 + b"]" * 30000)
    assert response.status_code == 422


def test_nul_characters_in_a_callback_are_stored_without_them(endpoint: Endpoint) -> None:
    attempt_id = endpoint.attempt()
    endpoint.send(attempt_id, 1, "log", {"line": "a\x00b"})
    response = endpoint.send(attempt_id, 2, "failed", {"error": "bad\x00thing", "k\x00": "v\x00"})
    assert response.status_code == 200, response.text
    run = endpoint.run(attempt_id)
    assert run["status"] == "FAILED"
    assert run["error"].startswith("bad") and "\x00" not in run["error"]


def test_a_failing_task_whose_log_and_error_hold_nul_is_recorded(stack: Stack) -> None:
    """On PostgreSQL this used to fail every reconciler pass, leaving the attempt RUNNING for a day."""
    attempt = stack.trigger(subject_key="nul-task", tasks=[python_task("crash-nul")])
    run = stack.wait(attempt["id"], timeout=90)
    assert run["status"] == "FAILED"
    assert "exploded with a NUL" in (run["error"] or "")
    assert "\x00" not in run["error"]
