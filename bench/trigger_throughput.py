"""Benchmark: how fast `POST /v1/runs` accepts attempts, with the workspace healthy and misbehaving.

Each scenario runs `lakerun workspace serve` and `lakerun serve` as processes of their own (as deployed:
the server shares its CPU with no client and no workspace) and posts N triggers (a trivial python task
each, callbacks off so the reconciler settles them) from 8 client threads, timing every answer. Then it
waits until no attempt is active and checks the workspace holds exactly one run per attempt. The faulty
workspace answers 20% of all calls with 429/500/503 and delays every POST to `jobs/*` (launches,
cancels) by 500 ms. With `--baseline-src` (e.g. the main checkout's `src`) each scenario is also run
with the control plane of that source, side by side in the same table.
Two phases per scenario: first the N triggers back to back from the client threads (a closed loop: each
thread posts again as soon as it is answered), which measures how many attempts per second the server
accepts at saturation; there every answer's latency is mostly time queued behind the others' requests.
Then N more triggers at a steady offered rate (`--rate`, each sent at its scheduled time by a pool large
enough never to hold one back), whose latencies, taken from the scheduled time, are the accept latency
an application sees while the server is not saturated.
Target: accept p99 under 50 ms whatever the workspace does; none stuck, no duplicate run.

    .venv/bin/python bench/trigger_throughput.py [--attempts 1000] [--clients 8] [--rate 20]
        [--settle-limit 1800] [--database-url postgresql://...] [--baseline-src ../main/src]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from child_processes import stopped
from lakerun.local.server import free_port

LAKERUN = "from lakerun.cli.main import app; app()"
API_TOKEN = "lrk_bench-token"
WORKSPACE_TOKEN = "dapi-local"
FAULTS: list[dict[str, Any]] = [
    {"kind": "error", "status": 429, "rate": 0.1, "retry_after": 0},
    {"kind": "error", "status": 500, "rate": 0.05},
    {"kind": "error", "status": 503, "rate": 0.05, "retry_after": 0},
    {"kind": "latency", "path": "jobs/*", "method": "POST", "latency_ms": 500},
]
SCENARIOS = {"healthy": [], "20% faults + 500 ms": FAULTS}
ACTIVE = ("CREATING", "QUEUED", "RUNNING")


@dataclass(frozen=True)
class Load:
    """How the triggers arrive: `clients` threads back to back, then `rate` per second."""

    clients: int
    rate: float


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def started(command: list[str], url: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Starts a process and returns once `url` answers (its output goes to `log`)."""
    process = subprocess.Popen(
        command, env=env, cwd=log.parent, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[-1]} exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{' '.join(command)} never answered")


def measure(
    name: str,
    faults: list[dict[str, Any]],
    attempts: int,
    load: Load,
    database_url: str | None,
    settle_limit: float,
    source: str | None = None,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        script = root / "task.py"
        script.write_text("print('done')\n")
        (root / "faults.json").write_text(json.dumps(faults))
        ws_port, port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKERUN_", "DATABRICKS_"))}
        workspace_url = f"http://127.0.0.1:{ws_port}"
        command = [sys.executable, "-c", LAKERUN, "workspace", "serve", "--port", str(ws_port)]
        command += ["--root", str(root / "workspace"), "--faults-file", str(root / "faults.json")]
        workspace = started(command, workspace_url + "/api/2.1/jobs/runs/list", env, root / "workspace.log")
        (root / "lakerun.toml").write_text(
            f"""
database_url = "{database_url or f"sqlite:///{root / 'control.db'}"}"
reconcile_interval = 1.0
callbacks_enabled = false

[[workspaces]]
name = "local"
host = "{workspace_url}"
token = "env:BENCH_WS_TOKEN"
"""
        )
        served_env = {
            **env,
            "BENCH_WS_TOKEN": WORKSPACE_TOKEN,
            "LAKERUN_API_TOKEN": API_TOKEN,
            "LAKERUN_PORT": str(port),
            "LAKERUN_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "LAKERUN_HOME": str(root / "control"),
        }
        if source:
            served_env["PYTHONPATH"] = source
        command = [sys.executable, "-c", LAKERUN, "serve", "--config", str(root / "lakerun.toml")]
        server = started(command, f"http://127.0.0.1:{port}/healthz", served_env, root / "serve.log")
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=120
        )
        task = {"task_key": "main", "spark_python_task": {"python_file": str(script)}}
        try:
            latencies, accepted_in = accept(api, task, range(attempts), load.clients)
            paced = paced_accept(api, task, range(attempts, 2 * attempts), load.rate)
            print(
                f"  {name}: {len(latencies)} accepted in {accepted_in:.1f} s, then at {load.rate:g}/s:"
                f" p50 {statistics.median(paced):.1f} ms, p99 {percentile(paced, 0.99):.1f} ms",
                flush=True,
            )
            settled_in, stuck, statuses = settle(api, 2 * attempts, settle_limit)
            runs = count_runs(workspace_url)
        finally:
            api.close()
            stopped(server)
            stopped(workspace)
    return {
        "name": name,
        "accepted": len(latencies) + len(paced),
        "per_second": len(latencies) / accepted_in,
        "saturated_p99": percentile(latencies, 0.99),
        "p50": statistics.median(paced),
        "p99": percentile(paced, 0.99),
        "max": max(paced),
        "settled_in": settled_in,
        "stuck": stuck,
        "runs": runs,
        "statuses": statuses,
    }


def count_runs(workspace_url: str) -> int:
    """Runs the workspace holds, page by page, asking again for a page an injected fault interrupted."""
    headers = {"Authorization": f"Bearer {WORKSPACE_TOKEN}"}
    total, page_token = 0, ""
    with httpx.Client(base_url=workspace_url, headers=headers, timeout=60) as client:
        while True:
            page = list_page(client, page_token)
            total += len(page.get("runs", []))
            page_token = page.get("next_page_token", "")
            if not page_token:
                return total


def list_page(client: httpx.Client, page_token: str) -> dict[str, Any]:
    """One page of `runs/list`, retried through the faulty workspace's 429/5xx answers."""
    params: dict[str, str | int] = {"limit": 25}
    if page_token:
        params["page_token"] = page_token
    for _ in range(50):
        response = client.get("/api/2.1/jobs/runs/list", params=params)
        if response.status_code == 200:
            page: dict[str, Any] = response.json()
            return page
        time.sleep(0.2)
    raise RuntimeError(f"runs/list kept failing: {response.status_code} {response.text[:200]}")


def post(api: httpx.Client, task: dict[str, Any], number: int) -> None:
    """Triggers subject `number`; any answer but 201 stops the benchmark."""
    response = api.post("/v1/runs", json={"subject_key": f"s{number}", "tasks": [task]})
    if response.status_code != 201:
        raise RuntimeError(f"trigger {number} answered {response.status_code}: {response.text}")


def accept(
    api: httpx.Client, task: dict[str, Any], numbers: range, clients: int
) -> tuple[list[float], float]:
    """Posts the triggers back to back; returns each answer's milliseconds and the seconds all took."""

    def one(number: int) -> float:
        started = time.perf_counter()
        post(api, task, number)
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(one, numbers))
    return latencies, time.perf_counter() - started


def paced_accept(api: httpx.Client, task: dict[str, Any], numbers: range, rate: float) -> list[float]:
    """Sends trigger i at start + i/rate; each latency runs from its scheduled time, so a late send counts."""
    start = time.perf_counter() + 0.5

    def one(index: int) -> float:
        scheduled = start + index / rate
        time.sleep(max(0.0, scheduled - time.perf_counter()))
        post(api, task, numbers[index])
        return (time.perf_counter() - scheduled) * 1000

    with ThreadPoolExecutor(64) as pool:
        return list(pool.map(one, range(len(numbers))))


def settle(api: httpx.Client, attempts: int, limit: float = 1800) -> tuple[float, int, dict[str, int]]:
    """Waits until no attempt is active (or `limit` s pass); returns the wait, the still active, and statuses."""
    started_at = time.perf_counter()
    statuses: dict[str, int] = {}
    while True:
        try:
            statuses = {}
            for status in ("CREATING", "QUEUED", "RUNNING", "SUCCESS", "FAILED", "CANCELLED", "TIMEDOUT"):
                page = api.get("/v1/runs", params={"status": status, "limit": 1}).json()
                if page["total"]:
                    statuses[status] = page["total"]
        except httpx.HTTPError:
            statuses = {"?": attempts}
        stuck = sum(statuses.get(s, 0) for s in ACTIVE)
        done = sum(statuses.values()) == attempts and stuck == 0
        if done or time.perf_counter() - started_at > limit:
            return time.perf_counter() - started_at, stuck, statuses
        time.sleep(2)


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
    parser.add_argument("--rate", type=float, default=20, help="triggers per second in the paced phase")
    parser.add_argument(
        "--settle-limit", type=float, default=1800, help="seconds to wait for all attempts to settle"
    )
    parser.add_argument(
        "--database-url", help="an empty, dedicated database (default: SQLite in a temp folder)"
    )
    parser.add_argument(
        "--baseline-src", help="a lakerun source folder to serve the same scenarios with, to compare"
    )
    args = parser.parse_args()
    print(
        f"POST /v1/runs x {args.attempts} from {args.clients} clients back to back, then"
        f" x {args.attempts} at {args.rate:g}/s; then wait until all settle"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"database: {'SQLite' if not args.database_url else args.database_url.split('@')[-1]}")
    results = []
    versions = [("new", None)] + ([("baseline", args.baseline_src)] if args.baseline_src else [])
    for name, faults in SCENARIOS.items():
        for version, source in versions:
            if args.database_url:
                reset(args.database_url)
            label = f"{version}: {name}" if args.baseline_src else name
            results.append(
                measure(
                    label,
                    faults,
                    args.attempts,
                    Load(args.clients, args.rate),
                    args.database_url,
                    args.settle_limit,
                    source,
                )
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    rows = [
        ("accepted", lambda r: f"{r['accepted']}"),
        ("accepted / s", lambda r: f"{r['per_second']:.0f}"),
        ("saturated p99 ms", lambda r: f"{r['saturated_p99']:.1f}"),
        (f"p50 ms at {args.rate:g}/s", lambda r: f"{r['p50']:.1f}"),
        (f"p99 ms at {args.rate:g}/s", lambda r: f"{r['p99']:.1f}"),
        (f"max ms at {args.rate:g}/s", lambda r: f"{r['max']:.1f}"),
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
