"""Benchmark: how fast `POST /v1/runs` accepts attempts, with the workspace healthy and misbehaving.

Each scenario serves a control plane over HTTP in front of its own local workspace and posts N
triggers (a trivial python task each, callbacks off so the reconciler settles them) from 8 client
threads, timing every answer. Then it waits until every attempt has reached a terminal state and
checks the workspace holds exactly one run per attempt. The faulty workspace answers 20% of all
calls with 429/500/503 and delays every POST to `jobs/*` (launches, cancels) by 500 ms.
Target: accept p99 under 50 ms whatever the workspace does; none stuck, no duplicate run.

    .venv/bin/python bench/trigger_throughput.py [--attempts 1000] [--clients 8] [--settle-limit 1800]
        [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from databricks.sdk import WorkspaceClient

from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.local.config import WorkspaceConfig
from lakerun.local.server import free_port
from lakerun.local.server import start_in_thread as start_workspace
from lakerun.server.app import create_app
from lakerun.server.serve import start_in_thread as start_server
from lakerun.store.attempts import AttemptFilter

FAULTS: list[dict[str, Any]] = [
    {"kind": "error", "status": 429, "rate": 0.1, "retry_after": 0},
    {"kind": "error", "status": 500, "rate": 0.05},
    {"kind": "error", "status": 503, "rate": 0.05, "retry_after": 0},
    {"kind": "latency", "path": "jobs/*", "method": "POST", "latency_ms": 500},
]
SCENARIOS = {"healthy": [], "20% faults + 500 ms": FAULTS}
ACTIVE = ("CREATING", "QUEUED", "RUNNING")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(
    name: str,
    faults: list[dict[str, Any]],
    attempts: int,
    clients: int,
    database_url: str | None,
    settle_limit: float,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        script = root / "task.py"
        script.write_text("print('done')\n")
        workspace = start_workspace(WorkspaceConfig(root=root / "workspace", port=free_port(), faults=faults))
        os.environ["LAKERUN_BENCH_TOKEN"] = workspace.token
        port = free_port()
        settings = ControlSettings(
            home=root / "control",
            database_url=database_url,
            server_key="bench",
            public_url=f"http://127.0.0.1:{port}",
            reconcile_interval=1.0,
            callbacks_enabled=False,
        )
        plane = ControlPlane(settings)
        plane.register_workspace(
            WorkspaceSpec(name="local", host=workspace.url, token_ref="env:LAKERUN_BENCH_TOKEN")
        )
        plane.start()
        server = start_server(create_app(settings, plane), plane, "127.0.0.1", port)
        api = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {issue_token(plane.ctx, 'bench')}"},
            timeout=120,
        )
        task = {"task_key": "main", "spark_python_task": {"python_file": str(script)}}
        try:
            latencies, accepted_in = accept(api, task, attempts, clients)
            print(
                f"  {name}: {len(latencies)} accepted in {accepted_in:.1f} s,"
                f" p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms",
                flush=True,
            )
            settled_in, stuck, statuses = settle(plane, attempts, settle_limit)
            runs = count_runs(WorkspaceClient(host=workspace.url, token=workspace.token))
        finally:
            api.close()
            server.stop()
            plane.stop()
            workspace.stop()
    return {
        "name": name,
        "accepted": len(latencies),
        "per_second": len(latencies) / accepted_in,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "settled_in": settled_in,
        "stuck": stuck,
        "runs": runs,
        "statuses": statuses,
    }


def count_runs(client: WorkspaceClient) -> int:
    """Runs the workspace holds (listing again when an injected fault interrupts the listing)."""
    for _ in range(20):
        try:
            return sum(1 for _ in client.jobs.list_runs())
        except Exception:
            time.sleep(0.5)
    raise RuntimeError("could not list the workspace's runs")


def accept(api: httpx.Client, task: dict[str, Any], attempts: int, clients: int) -> tuple[list[float], float]:
    """Posts the triggers; returns each answer's milliseconds and the seconds all of them took."""

    def one(number: int) -> float:
        started = time.perf_counter()
        response = api.post("/v1/runs", json={"subject_key": f"s{number}", "tasks": [task]})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise RuntimeError(f"trigger {number} answered {response.status_code}: {response.text}")
        return elapsed

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(one, range(attempts)))
    return latencies, time.perf_counter() - started


def settle(plane: ControlPlane, attempts: int, limit: float = 1800) -> tuple[float, int, dict[str, int]]:
    """Waits until no attempt is active (or `limit` s pass); returns the wait, the still active, and statuses."""
    started = time.perf_counter()
    while True:
        rows, total = plane.list_attempts(AttemptFilter(), limit=attempts, offset=0)
        statuses: dict[str, int] = {}
        for attempt, _ in rows:
            statuses[attempt.status] = statuses.get(attempt.status, 0) + 1
        stuck = sum(statuses.get(s, 0) for s in ACTIVE) + sum(1 for a, _ in rows if a.run_id is None)
        if (stuck == 0 and total == attempts) or time.perf_counter() - started > limit:
            return time.perf_counter() - started, stuck, statuses
        time.sleep(1)


def reset(url: str) -> None:
    """Empties every lakerun table of the benchmark's database, so each scenario starts from nothing."""
    from sqlalchemy import text

    from lakerun.store.db import make_engine, upgrade
    from lakerun.store.models import Base

    engine = make_engine(url)
    upgrade(engine)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--settle-limit", type=float, default=1800, help="seconds to wait for all attempts to settle"
    )
    parser.add_argument(
        "--database-url", help="an empty, dedicated database (default: SQLite in a temp folder)"
    )
    args = parser.parse_args()
    print(f"POST /v1/runs x {args.attempts} from {args.clients} clients, then wait until all settle")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"database: {'SQLite' if not args.database_url else args.database_url.split('@')[-1]}")
    results = []
    for name, faults in SCENARIOS.items():
        if args.database_url:
            reset(args.database_url)
        results.append(
            measure(name, faults, args.attempts, args.clients, args.database_url, args.settle_limit)
        )
    rows = [
        ("accepted", lambda r: f"{r['accepted']}"),
        ("accepted / s", lambda r: f"{r['per_second']:.0f}"),
        ("accept p50 ms", lambda r: f"{r['p50']:.1f}"),
        ("accept p99 ms", lambda r: f"{r['p99']:.1f}"),
        ("accept max ms", lambda r: f"{r['max']:.1f}"),
        ("all settled in s", lambda r: f"{r['settled_in']:.0f}"),
        ("still active", lambda r: f"{r['stuck']}"),
        ("workspace runs", lambda r: f"{r['runs']}"),
        ("end states", lambda r: " ".join(f"{k}={v}" for k, v in sorted(r["statuses"].items()))),
    ]
    print(f"{'':<18}" + "".join(f"{r['name']:>26}" for r in results))
    for label, cell in rows:
        print(f"{label:<18}" + "".join(f"{cell(r):>26}" for r in results))


if __name__ == "__main__":
    main()
