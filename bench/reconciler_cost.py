"""Benchmark: what tracking N active runs costs lakerun's reconciler, at several N, on SQLite and PostgreSQL.

Seeding (not measured):
- the local workspace gets N one-time runs through its own run engine (`runs/submit`'s path, in
  process and in bulk), held PENDING by a one-hour cluster start, so no task process runs;
- each database gets the N attempts that launched them, inserted in bulk as the launcher leaves them
  (subject, attempt with its run id and page URL, QUEUED / PENDING, the transition).

Measuring: for each N and database a fresh process starts the control plane as `lakerun serve` does
(`ControlPlane.start()`: the reconciler's own loop at its interval, the launcher, the janitor) against
the workspace over HTTP for `--minutes`. It reports each pass's duration (from the pass's start to
the end of the workspace's reconciliation), the database time spent meanwhile (statement time from
SQLAlchemy's cursor events, every thread of the process), its CPU time and its memory (resident set at
start, at the end and at its peak). The workspace counts the calls it receives per endpoint.

For scale, a per-run poller makes one runs/get per run per poll: N x 60 / 10.5 calls a minute at the
SDK waiter's steady cadence (`min(attempt, 10) + U(0, 1)` seconds).

    .venv/bin/python bench/reconciler_cost.py [--runs 1000 10000] [--databases sqlite postgresql]
        [--minutes 2] [--interval 15] [--baseline-src OTHER_CHECKOUT/src]

`--baseline-src` runs the measuring process a second time with another checkout's `lakerun` first on
`sys.path`, against the same workspace and seed, so two versions are compared in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SDK_WAITER_SECONDS = 10.5
PG_SERVER = "postgresql+psycopg://{user}@127.0.0.1:5432/test"
COUNTED = ("jobs/runs/list", "jobs/runs/get", "jobs/runs/get-output", "jobs/runs/cancel", "*")
TASK = {"task_key": "wait", "spark_python_task": {"python_file": "/Workspace/never-started.py"}}


# -- the workspace (this process) ------------------------------------------------------------------


class Workspace:
    """A local workspace on a thread of this process, counting the calls it receives per endpoint."""

    def __init__(self, root: Path) -> None:
        from lakerun.local.config import WorkspaceConfig
        from lakerun.local.server import free_port, start_in_thread

        faults: list[dict[str, Any]] = [{"kind": "cluster_start", "seconds": 3600}]
        faults += [{"kind": "latency", "path": path, "latency_ms": 0} for path in COUNTED]
        self.running = start_in_thread(WorkspaceConfig(root=root, port=free_port(), faults=faults))
        self.url, self.token = self.running.url, self.running.token
        self.engine = self.running.server.config.app.state.run_engine  # type: ignore[attr-defined]
        self.runs: list[dict[str, Any]] = []

    def counts(self) -> dict[str, int]:
        injector = self.running.server.config.app.state.faults  # type: ignore[attr-defined]
        return {path: injector._fired[index + 1] for index, path in enumerate(COUNTED)}

    def grow_to(self, runs: int) -> None:
        """Submits runs until `runs` are active; each carries the id of the attempt that launches it."""
        with self.engine._lock:  # one scheduler turn for the whole batch instead of one per run
            while len(self.runs) < runs:
                attempt_id = str(uuid.uuid4())
                request = {
                    "run_name": f"bench {len(self.runs)}",
                    "tasks": [TASK],
                    "idempotency_token": attempt_id,
                }
                run_id = self.engine.submit(request)
                url = self.engine.get(run_id).to_api(self.url)["run_page_url"]
                self.runs.append({"attempt_id": attempt_id, "run_id": run_id, "run_page_url": url})

    def stop(self) -> None:
        self.running.stop()


# -- databases --------------------------------------------------------------------------------------


class Databases:
    """A SQLite file or a fresh PostgreSQL database per measurement, dropped at the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.created: list[str] = []
        self.admin: Any = None

    def new(self, kind: str, label: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.root / f'{label}.db'}"
        from sqlalchemy import create_engine, text

        if self.admin is None:
            self.admin = _pg_admin(create_engine, text)
        name = f"lakerun_bench_{os.getpid()}_{label}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return str(self.admin.url.set(database=name).render_as_string(hide_password=False))

    def drop_all(self) -> None:
        if self.admin is None:
            return
        from sqlalchemy import text

        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def _pg_admin(create_engine: Any, text: Any) -> Any:
    for user in ("postgres", "root"):
        engine = create_engine(PG_SERVER.format(user=user), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return engine
        except Exception:
            engine.dispose()
    raise SystemExit("no PostgreSQL server at 127.0.0.1:5432 (trust auth, database test)")


# -- the control plane (child processes) -----------------------------------------------------------


def _plane(job: dict[str, Any]) -> Any:
    from lakerun.control.plane import ControlPlane
    from lakerun.control.settings import ControlSettings

    settings = ControlSettings(
        home=Path(job["home"]),
        database_url=job["database_url"],
        server_key="bench",
        reconcile_interval=job["interval"],
        callbacks_enabled=False,
    )
    return ControlPlane(settings)


def seed_child(job: dict[str, Any]) -> None:
    """Registers the workspace and inserts one launched attempt per workspace run, in bulk."""
    from sqlalchemy import insert, select

    from lakerun.control.workspaces import WorkspaceSpec
    from lakerun.store.models import AttemptRow, SubjectRow, TransitionRow

    plane = _plane(job)
    plane.register_workspace(
        WorkspaceSpec(name="local", host=job["workspace_url"], token_ref="env:LAKERUN_BENCH_TOKEN")
    )
    runs = json.loads(Path(job["runs_file"]).read_text())
    now = datetime.now(UTC)
    with plane.ctx.uow() as uow:
        session = uow.session
        session.execute(
            insert(SubjectRow),
            [
                {
                    "kind": "bench",
                    "key": r["attempt_id"],
                    "total_attempts": 1,
                    "first_attempt_at": now,
                    "last_attempt_at": now,
                    "current_attempt_id": r["attempt_id"],
                }
                for r in runs
            ],
        )
        subject_ids = dict(
            session.execute(select(SubjectRow.key, SubjectRow.id).where(SubjectRow.kind == "bench")).all()
        )
        session.execute(
            insert(AttemptRow),
            [
                {
                    "id": r["attempt_id"],
                    "subject_id": subject_ids[r["attempt_id"]],
                    "attempt_number": 1,
                    "workspace_name": "local",
                    "strategy": "one_time",
                    "job_key": None,
                    "spec": {"tasks": [TASK]},
                    "parameters": {},
                    "triggered_by": "bench",
                    "idempotency_key": None,
                    "callbacks": False,
                    "status": "QUEUED",
                    "raw_state": "PENDING",
                    "status_message": "run started in the workspace",
                    "run_id": r["run_id"],
                    "run_page_url": r["run_page_url"],
                    "last_sequence": 0,
                    "created_at": now,
                    "deadline_at": now + timedelta(days=1),
                }
                for r in runs
            ],
        )
        session.execute(
            insert(TransitionRow),
            [
                {
                    "attempt_id": r["attempt_id"],
                    "from_status": "CREATING",
                    "to_status": "QUEUED",
                    "source": "api",
                    "reason": "run started in the workspace",
                    "raw_state": "SUBMITTED",
                    "at": now,
                }
                for r in runs
            ],
        )
    plane.ctx.engine.dispose()
    print(json.dumps({"seeded": len(runs)}))


class Clock:
    """Statement time and count of one SQLAlchemy engine, across all threads."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.seconds = 0.0
        self.statements = 0
        self._started = threading.local()
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *args: Any) -> None:
        self._started.at = time.perf_counter()

    def _after(self, *args: Any) -> None:
        elapsed = time.perf_counter() - getattr(self._started, "at", time.perf_counter())
        with self._lock:
            self.seconds += elapsed
            self.statements += 1


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure_child(job: dict[str, Any]) -> None:
    """Runs the control plane's loops for `minutes` and reports every pass, DB time, CPU and memory."""
    plane = _plane(job)
    clock = Clock(plane.ctx.engine)
    reconciler = plane.reconciler
    passes: list[dict[str, float]] = []
    current: dict[str, float] = {}
    run_pass, reconcile_alone = reconciler.run_pass, reconciler._reconcile_alone

    def timed_pass(*args: Any, **kwargs: Any) -> Any:
        current.update(started=time.perf_counter(), db=clock.seconds, statements=clock.statements)
        return run_pass(*args, **kwargs)

    def timed_workspace(*args: Any, **kwargs: Any) -> Any:
        report = reconcile_alone(*args, **kwargs)
        started = current.get("started", time.perf_counter())
        passes.append(
            {
                "seconds": time.perf_counter() - started,
                "db_seconds": clock.seconds - current.get("db", 0.0),
                "statements": clock.statements - current.get("statements", 0),
                "errors": len(report.errors),
            }
        )
        return report

    reconciler.run_pass = timed_pass
    reconciler._reconcile_alone = timed_workspace
    rss_start = _rss_kib("VmRSS")
    cpu = os.times()
    print("START", flush=True)
    started = time.perf_counter()
    plane.start()
    time.sleep(job["minutes"] * 60)
    plane.stop()
    window = time.perf_counter() - started
    print("STOP", flush=True)
    after = os.times()
    print(
        json.dumps(
            {
                "window": window,
                "passes": passes,
                "db_seconds": clock.seconds,
                "statements": clock.statements,
                "cpu_seconds": (after.user - cpu.user) + (after.system - cpu.system),
                "rss_start_mib": rss_start / 1024,
                "rss_end_mib": _rss_kib("VmRSS") / 1024,
                "rss_peak_mib": _rss_kib("VmHWM") / 1024,
            }
        ),
        flush=True,
    )


def _child(mode: str, job: dict[str, Any], workspace: Workspace | None, src: str | None) -> dict[str, Any]:
    """Runs a child process; while it measures, the workspace's counters are read at START and STOP."""
    env = {**os.environ, "LAKERUN_BENCH_TOKEN": job["workspace_token"]}
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, __file__, f"--{mode}", json.dumps(job)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    assert process.stdout is not None
    counts: dict[str, dict[str, int]] = {}
    result: dict[str, Any] = {}
    for line in process.stdout:
        if line.strip() in ("START", "STOP") and workspace is not None:
            counts[line.strip()] = workspace.counts()
        elif line.startswith("{"):
            result = json.loads(line)
    if process.wait() != 0:
        raise SystemExit(f"{mode} process failed ({process.returncode})")
    if counts:
        result["calls"] = {k: counts["STOP"][k] - counts["START"][k] for k in COUNTED}
    return result


# -- the report -------------------------------------------------------------------------------------


def row(label: str, runs: int, db: str, m: dict[str, Any]) -> str:
    per_minute = {k: v * 60 / m["window"] for k, v in m["calls"].items()}
    seconds = [p["seconds"] for p in m["passes"]] or [0.0]
    db_per_pass = [p["db_seconds"] for p in m["passes"]] or [0.0]
    statements = [p["statements"] for p in m["passes"]] or [0]
    poller = runs * 60 / SDK_WAITER_SECONDS
    return (
        f"{label:<9} {db:<10} {runs:>6} {len(m['passes']):>6} {per_minute['*']:>8.0f}"
        f" {per_minute['jobs/runs/list']:>8.0f} {per_minute['jobs/runs/get']:>7.0f}"
        f" {per_minute['jobs/runs/get-output'] + per_minute['jobs/runs/cancel']:>8.0f}"
        f" {poller:>9.0f} {statistics.median(seconds):>7.2f} {max(seconds):>7.2f}"
        f" {statistics.median(db_per_pass):>7.3f} {statistics.median(statements):>6.0f}"
        f" {m['cpu_seconds'] * 60 / m['window']:>7.1f} {m['rss_start_mib']:>6.0f} {m['rss_end_mib']:>6.0f}"
        f" {m['rss_peak_mib']:>6.0f} {sum(p['errors'] for p in m['passes']):>4}"
    )


HEADER = (
    f"{'code':<9} {'database':<10} {'runs':>6} {'passes':>6} {'calls/m':>8} {'list/m':>8} {'get/m':>7}"
    f" {'other/m':>8} {'poller/m':>9} {'p50 s':>7} {'max s':>7} {'db s':>7} {'stmts':>6} {'cpu s/m':>7}"
    f" {'rss0':>6} {'rss1':>6} {'peak':>6} {'err':>4}"
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--minutes", type=float, default=2.0, help="how long each control plane runs its loops"
    )
    parser.add_argument("--interval", type=float, default=15.0, help="the reconcile interval (s)")
    parser.add_argument(
        "--baseline-src", help="another checkout's src folder, measured side by side as 'baseline'"
    )
    parser.add_argument("--seed-child", help=argparse.SUPPRESS)
    parser.add_argument("--measure-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_child:
        return seed_child(json.loads(args.seed_child))
    if args.measure_child:
        return measure_child(json.loads(args.measure_child))
    versions = [("this", None)] + ([("baseline", args.baseline_src)] if args.baseline_src else [])
    print(f"reconciler cost: interval {args.interval:g} s, {args.minutes:g} min of loop per row")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(
        "calls/m: every workspace call a minute (list: runs/list, get: runs/get, other: get-output + cancel);"
        " poller/m: a per-run runs/get poller at the SDK waiter's cadence; p50/max s: pass duration;"
        " db s, stmts: database time and statements per pass (p50); cpu s/m: CPU seconds a minute of the"
        " control plane's process; rss0/rss1/peak: its resident MiB at start, end, peak; err: pass errors"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workspace = Workspace(root / "workspace")
        databases = Databases(root)
        lines = []
        try:
            for runs in sorted(args.runs):
                started = time.perf_counter()
                workspace.grow_to(runs)
                runs_file = root / f"runs-{runs}.json"
                runs_file.write_text(json.dumps(workspace.runs))
                print(
                    f"workspace: {runs} active runs ({time.perf_counter() - started:.0f} s to submit)",
                    flush=True,
                )
                for db in args.databases:
                    for label, src in versions:
                        name = f"{db}_{runs}_{label}"
                        job = {
                            "home": str(root / name),
                            "database_url": databases.new(db, name),
                            "workspace_url": workspace.url,
                            "workspace_token": workspace.token,
                            "runs_file": str(runs_file),
                            "interval": args.interval,
                            "minutes": args.minutes,
                        }
                        _child("seed-child", job, None, src)
                        measured = _child("measure-child", job, workspace, src)
                        if not lines:
                            print(HEADER)
                        lines.append(row(label, runs, db, measured))
                        print(lines[-1], f"  load {os.getloadavg()[0]:.1f}", flush=True)
        finally:
            workspace.stop()
            databases.drop_all()
    print("\n" + HEADER)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
