"""Benchmark: workspace API calls per minute to track N active runs — lakerun's reconciler vs a per-run poller.

The local workspace holds N active runs (one job, queueing on, a slow cluster start keeps them
QUEUED/PENDING without processes), each triggered as a lakerun attempt. The workspace itself counts
the requests (zero-latency fault rules used as counters on `jobs/runs/list` and `jobs/runs/get`):

- lakerun's reconciler: one pass (batched `runs/list active_only`, paged by 25; `runs/get` only for
  runs that left the active set), at its interval;
- the per-run poller: one `runs/get` per run per poll, at the SDK waiter's steady cadence (~10.5 s,
  `min(attempt, 10) + U(0, 1)`) and at Airflow's default 30 s.

Calls per minute = measured calls per cycle x cycles per minute. Target: lakerun at most a tenth.

    .venv/bin/python bench/reconciler_cost.py [--runs 100 1000 10000] [--interval 15]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from lakerun.control.attempts import TriggerRequest
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.status import ACTIVE
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.local.config import WorkspaceConfig
from lakerun.local.server import RunningWorkspace, free_port, start_in_thread
from lakerun.store.attempts import AttemptRepository

SDK_WAITER_SECONDS = 10.5
AIRFLOW_SECONDS = 30.0
COUNTED = ("jobs/runs/list", "jobs/runs/get")


def start_workspace(root: Path) -> RunningWorkspace:
    faults: list[dict[str, Any]] = [{"kind": "cluster_start", "seconds": 3600}]
    faults += [{"kind": "latency", "path": path, "latency_ms": 0} for path in COUNTED]
    return start_in_thread(WorkspaceConfig(root=root, port=free_port(), faults=faults))


def counted_calls(workspace: RunningWorkspace) -> dict[str, int]:
    injector = workspace.server.config.app.state.faults  # type: ignore[attr-defined]
    return {path: injector._fired[index + 1] for index, path in enumerate(COUNTED)}


def reset_counts(workspace: RunningWorkspace) -> None:
    injector = workspace.server.config.app.state.faults  # type: ignore[attr-defined]
    injector._fired = [0] * len(injector.rules)


def make_plane(root: Path, workspace: RunningWorkspace, interval: float) -> ControlPlane:
    os.environ["LAKERUN_BENCH_TOKEN"] = workspace.token
    settings = ControlSettings(
        home=root, server_key="bench", reconcile_interval=interval, callbacks_enabled=False, launch_grace=3600
    )
    plane = ControlPlane(settings)
    plane.register_workspace(
        WorkspaceSpec(name="local", host=workspace.url, token_ref="env:LAKERUN_BENCH_TOKEN")
    )
    task = {"task_key": "wait", "spark_python_task": {"python_file": "/Workspace/never-started.py"}}
    plane.ensure_job(
        "local",
        "bench",
        {"name": "bench", "tasks": [task], "max_concurrent_runs": 1, "queue": {"enabled": True}},
    )
    return plane


def trigger_all(plane: ControlPlane, runs: int) -> list[int]:
    """Accepts `runs` attempts, then lets the launcher start them all; returns their run ids."""
    requests = [
        TriggerRequest(subject_key=f"s{n}", strategy="shared_job", job_key="bench") for n in range(runs)
    ]
    for start in range(0, runs, 500):
        plane.runs.bulk_trigger(requests[start : start + 500])
    plane.runs.start()
    while True:
        with plane.ctx.sessions() as session:
            attempts = AttemptRepository(session).active([s.value for s in ACTIVE])
        run_ids = [a.run_id for a in attempts if a.run_id is not None]
        if len(run_ids) == runs:
            return run_ids
        time.sleep(1)


def measure(runs: int, interval: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        workspace = start_workspace(Path(tmp) / "workspace")
        plane = make_plane(Path(tmp) / "control", workspace, interval)
        try:
            run_ids = trigger_all(plane, runs)
            active = sum(1 for _ in plane.ctx.client("local").jobs.list_runs(active_only=True, limit=25))
            reset_counts(workspace)
            started = time.perf_counter()
            report = plane.reconciler.run_pass()
            pass_seconds = time.perf_counter() - started
            reconciler = sum(counted_calls(workspace).values())
            reset_counts(workspace)
            client = plane.ctx.client("local")
            for run_id in run_ids:
                client.jobs.get_run(run_id=run_id)
            poller = sum(counted_calls(workspace).values())
        finally:
            plane.stop()
            workspace.stop()
    return {
        "runs": runs,
        "active": active,
        "errors": len(report.errors),
        "pass_seconds": pass_seconds,
        "reconciler_per_pass": reconciler,
        "poller_per_cycle": poller,
        "interval": interval,
    }


def print_row(m: dict[str, float]) -> None:
    lakerun = m["reconciler_per_pass"] * 60 / m["interval"]
    sdk = m["poller_per_cycle"] * 60 / SDK_WAITER_SECONDS
    airflow = m["poller_per_cycle"] * 60 / AIRFLOW_SECONDS
    same = m["poller_per_cycle"] * 60 / m["interval"]
    print(
        f"{m['runs']:>6} {m['active']:>7} {m['reconciler_per_pass']:>10} {m['poller_per_cycle']:>10}"
        f" {lakerun:>12.0f} {same:>14.0f} {sdk:>12.0f} {airflow:>12.0f}"
        f" {lakerun / sdk:>9.3f} {lakerun / airflow:>9.3f} {m['pass_seconds']:>8.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, nargs="+", default=[100, 1000, 10000])
    default = ControlSettings().reconcile_interval
    parser.add_argument("--interval", type=float, default=default, help="lakerun's reconcile interval (s)")
    args = parser.parse_args()
    print(f"workspace API calls to track N active runs (lakerun reconciler every {args.interval:g} s)")
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (call counts do not depend on it)"
    )
    print(
        f"{'runs':>6} {'active':>7} {'calls/pass':>10} {'calls/poll':>10} {'lakerun/min':>12}"
        f" {'poller/min@same':>14} {'sdk-wait/min':>12} {'airflow/min':>12} {'vs sdk':>9} {'vs airflow':>9} {'pass':>9}"
    )
    for runs in args.runs:
        print_row(measure(runs, args.interval))


if __name__ == "__main__":
    main()
