"""Benchmark: the dashboard's runs page and its data endpoint with 10,000 attempts in the database.

Inserts the attempts with bulk SQL through the store's models (not over HTTP), serves the control plane,
logs in like a browser and times each request: p50 / p95 / max per endpoint, printed side by side with the
`/v1/runs` JSON API measured in the same run. Target: p95 under 200 ms. Never fails on time.

    .venv/bin/python bench/dashboard.py [--attempts 10000] [--requests 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.local.server import free_port
from lakerun.server.app import create_app
from lakerun.server.serve import start_in_thread
from lakerun.store.models import AttemptRow, EventRow, SubjectRow

STATUSES = ["SUCCESS"] * 14 + ["FAILED"] * 3 + ["CANCELLED", "RUNNING", "QUEUED"]
ATTEMPTS_PER_SUBJECT = 10


def _attempt(subject_id: int, number: int, created: datetime, status: str) -> dict[str, object]:
    started = created + timedelta(seconds=2)
    active = status in ("RUNNING", "QUEUED")
    return {
        "id": str(uuid.uuid4()),
        "subject_id": subject_id,
        "attempt_number": number,
        "workspace_name": "local",
        "strategy": "one_time",
        "spec": {"tasks": [{"task_key": "main"}]},
        "parameters": {},
        "triggered_by": "bench",
        "callbacks": True,
        "status": status,
        "progress": 0.5 if active else (1.0 if status == "SUCCESS" else 0.3),
        "error": "RuntimeError: bench failure" if status == "FAILED" else None,
        "created_at": created,
        "started_at": None if status == "QUEUED" else started,
        "finished_at": None if active else started + timedelta(seconds=30 + number),
        "last_sequence": 0,
    }


def seed(plane: ControlPlane, attempts: int) -> None:
    """Inserts subjects, attempts and a progress event per running attempt in a few bulk statements."""
    now = datetime.now(UTC)
    subjects = max(1, attempts // ATTEMPTS_PER_SUBJECT)
    with plane.ctx.engine.begin() as conn:
        conn.execute(
            insert(SubjectRow),
            [
                {
                    "kind": "table_group",
                    "key": f"group-{i:05d}",
                    "total_attempts": 0,
                    "successful_attempts": 0,
                }
                for i in range(subjects)
            ],
        )
    rows = [
        _attempt(
            1 + i % subjects,
            1 + i // subjects,
            now - timedelta(seconds=attempts - i),
            STATUSES[i % len(STATUSES)],
        )
        for i in range(attempts)
    ]
    events = [
        {
            "type": "run.progress",
            "attempt_id": r["id"],
            "payload": {"task": "main", "message": "working", "eta_seconds": 30.0},
            "created_at": now,
        }
        for r in rows
        if r["status"] == "RUNNING"
    ]
    with plane.ctx.engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(AttemptRow), rows[start : start + 2000])
        conn.execute(insert(EventRow), events)


def measure(client: httpx.Client, path: str, requests: int) -> list[float]:
    """Milliseconds per request after two warm-up calls; every response must be a 200."""
    for _ in range(2):
        client.get(path).raise_for_status()
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


def report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"{label:<48} {statistics.median(ordered):>8.1f} {p95:>8.1f} {ordered[-1]:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL of an EMPTY database (SQLite temp file by default)",
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lakerun-bench-dashboard-"))
    port = free_port()
    settings = ControlSettings(
        home=home, database_url=args.database_url, server_key="bench", public_url=f"http://127.0.0.1:{port}"
    )
    plane = ControlPlane(settings)
    plane.register_workspace(WorkspaceSpec(name="local", host="http://127.0.0.1:9", token_ref="env:HOME"))
    seed(plane, args.attempts)
    server = start_in_thread(create_app(settings, plane), plane, "127.0.0.1", port)
    token = issue_token(plane.ctx, "bench")
    try:
        dashboard = httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=60)
        if dashboard.post("/login", data={"token": token}).status_code != 303:
            raise SystemExit("login to the dashboard failed")
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        last_page = args.attempts // 50
        print(
            f"{args.attempts} attempts in {settings.resolved_database_url().split(':')[0]}, {args.requests} requests each"
        )
        print(f"{'endpoint':<48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for label, client, path in (
            ("runs page /", dashboard, "/"),
            ("runs data /ui/runs/rows (page 1)", dashboard, "/ui/runs/rows"),
            (f"runs data /ui/runs/rows (page {last_page})", dashboard, f"/ui/runs/rows?page={last_page}"),
            ("runs data ?status=RUNNING", dashboard, "/ui/runs/rows?status=RUNNING"),
            ("runs data ?subject=group-00042", dashboard, "/ui/runs/rows?subject=group-00042"),
            ("baseline: JSON API /v1/runs?limit=50", api, "/v1/runs?limit=50"),
        ):
            report(label, measure(client, path, args.requests))
        print("target: p95 < 200 ms")
    finally:
        server.stop()
        plane.stop()


if __name__ == "__main__":
    main()
