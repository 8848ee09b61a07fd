"""Executor fixtures: a CLI runner, the metadata database read back by SQL, and a real platform server."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

EXECUTOR = Path(sys.executable).with_name("lakerun-executor")


@dataclass
class CliRun:
    """One finished `lakerun-executor` process."""

    code: int
    result: dict[str, Any]
    stderr: str


def run_cli(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> CliRun:
    """Run the installed console script and parse the JSON it prints on stdout."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [str(EXECUTOR), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=240,
        check=False,
    )
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"stdout is not JSON:\n{done.stdout}\nstderr:\n{done.stderr}") from exc
    return CliRun(done.returncode, result, done.stderr)


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Run SQL (the seed's queries) against the executor's DuckDB metadata file."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def metadata_db(tmp_path: Path) -> Path:
    return tmp_path / "meta" / "metadata.duckdb"


@dataclass
class Platform:
    """A stand-in for the platform's ingest endpoint: stores each idempotency key's batch once."""

    url: str
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    drop_first_response: bool = False
    answer_status: int = 200
    hold_answers: bool = False
    received: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def platform() -> Iterator[Platform]:
    state = Platform(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            key = self.headers.get("Idempotency-Key", "")
            with lock:
                state.requests.append(dict(self.headers.items()))
                state.bodies.append(body)
                first = key not in state.stored
                if first and state.answer_status == 200:
                    state.stored[key] = json.loads(gzip.decompress(body))
                drop = first and state.drop_first_response
            state.received.set()
            if state.hold_answers:
                state.release.wait(120)
            if drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            payload = json.dumps({"status": "received", "duplicate": not first}).encode()
            self.send_response(state.answer_status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/api/metadata"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
