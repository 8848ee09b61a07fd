"""With `--lakerun-*` callback arguments, a run reports progress, its result and its outcome, signed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lakerun.executor.entrypoint import run
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.executor import sample_data

SECRET = "attempt-secret"


@pytest.fixture
def control_plane() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    from lakerun.local.server import free_port

    events: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            valid = self.headers[SIGNATURE_HEADER] == sign(SECRET, self.headers[TIMESTAMP_HEADER], body)
            events.append({**json.loads(body), "signature_valid": valid})
            answer = b'{"accepted": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            return

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/v1/callbacks/a-1", events
    server.shutdown()
    server.server_close()


def test_run_reports_progress_result_and_outcome(
    tmp_path: Path, control_plane: tuple[str, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, events = control_plane
    sample_data.write_csv(tmp_path / "data" / "a.csv")
    callback = [
        "--lakerun-attempt-id=a-1",
        f"--lakerun-callback-url={url}",
        f"--lakerun-callback-secret={SECRET}",
    ]
    args = [
        "metadata_extraction",
        str(tmp_path / "data"),
        "--metadata-db",
        str(tmp_path / "m.duckdb"),
        *callback,
    ]
    assert run(args) == 0
    output = json.loads(capsys.readouterr().out)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "progress" and kinds[-2:] == ["result", "completed"]
    assert all(e["signature_valid"] for e in events)
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    assert events[-2]["payload"]["run_id"] == output["run_id"]
    assert SECRET not in json.dumps(output)
