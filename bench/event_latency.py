"""Benchmark: signed callback → WebSocket event delivered to every subscriber, p50/p99/max and events lost.

Each scenario seeds a database (SQLite, or a fresh PostgreSQL database per scenario) with attempts and an
API token, runs one or two `lakerun serve` processes on it (as deployed: the server shares its CPU with no
client), opens N WebSocket subscribers (all events) from a separate process, spread evenly over the server
processes, and POSTs signed `progress` callbacks one after another to the first process. With two
processes, half of the subscribers hear the events through the other process (PostgreSQL NOTIFY).

Latency is measured twice: from the moment the callback request is sent, and from the moment its
transaction committed (both on CLOCK_MONOTONIC, which all processes of the machine share). The commit
time, the bus hand-over, the NOTIFY arrival in the other process and each per-subscriber send are taken
by a tracing hook loaded into the server processes (`bench/event_trace/sitecustomize.py`), which
patches the server's functions by name, so it measures any source tree that has them. "lost" counts
(event, subscriber) pairs never received within the wait. With `--baseline-src` (e.g. the main
checkout's `src`) each scenario also runs with the server of that source, side by side in one table.
Target: commit → delivered p99 under 100 ms with 100 subscribers, none lost.

    .venv/bin/python bench/event_latency.py [--subscribers 100] [--events 200]
        [--postgres postgresql://127.0.0.1:5432/test] [--processes 1 2] [--baseline-src ../main/src]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing import Queue
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from child_processes import stopped
from lakerun.control.attempts import TriggerRequest, create_attempt
from lakerun.control.callbacks import attempt_secret
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.local.server import free_port
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from lakerun.store.models import utcnow

ATTEMPTS = 20
SERVER_KEY = "bench"
LAKERUN = "from lakerun.cli.main import app; app()"
TRACE_HOOK = Path(__file__).with_name("event_trace")

Key = tuple[str, int]


def subscribe(urls: list[str], count: int, expected: int, wait: float, results: Queue) -> None:
    """Child process: N WebSocket clients on one loop, round-robin over `urls`; puts their receive times."""
    received: list[dict[Key, float]] = [{} for _ in range(count)]

    async def read(socket: Any, index: int) -> None:
        async for message in socket:
            event = json.loads(message)
            if event.get("type") == "run.progress":
                key = (event["attempt_id"], round(event["progress"] * 10_000))
                received[index].setdefault(key, time.monotonic())

    async def main() -> None:
        sockets = [await connect(urls[index % len(urls)], max_queue=None) for index in range(count)]
        results.put("ready")
        readers = [asyncio.create_task(read(socket, index)) for index, socket in enumerate(sockets)]
        await asyncio.get_running_loop().run_in_executor(None, results.get)  # the sender's "sent"
        deadline = time.monotonic() + wait
        while sum(map(len, received)) < expected * count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for reader in readers:
            reader.cancel()
        for socket in sockets:
            await socket.close()

    asyncio.run(main())
    results.put([{f"{a}|{s}": t for (a, s), t in got.items()} for got in received])


@dataclass
class Scenario:
    """One column of the table: a database, a number of server processes and a source tree."""

    label: str
    postgres: str | None
    processes: int
    source: str | None


@dataclass
class Outcome:
    """What one scenario measured."""

    scenario: Scenario
    from_sent: list[float]
    from_commit: list[float]
    lost: int
    stages: dict[str, list[float]] = field(default_factory=dict)
    load: float = 0.0
    server_cpu: float = 0.0
    subscriber_cpu: float = 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def database(admin_url: str | None, root: Path) -> Iterator[str]:
    """A database for one scenario: a SQLite file, or a PostgreSQL database created and dropped here."""
    if admin_url is None:
        yield f"sqlite:///{root / 'control.db'}"
        return
    import psycopg

    name = f"lakerun_bench_events_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def seed(url: str, root: Path) -> tuple[list[str], str]:
    """Registers an unreachable workspace, commits `ATTEMPTS` attempts on it and issues an API token."""
    os.environ.setdefault("LAKERUN_BENCH_NOWHERE", "unused")
    plane = ControlPlane(ControlSettings(home=root / "seed", database_url=url, server_key=SERVER_KEY))
    try:
        plane.register_workspace(
            WorkspaceSpec(name="nowhere", host="http://127.0.0.1:9", token_ref="env:LAKERUN_BENCH_NOWHERE")
        )
        attempts = []
        for number in range(ATTEMPTS):
            with plane.ctx.uow() as uow:
                request = TriggerRequest(
                    subject_key=f"bench-{number}", workspace="nowhere", tasks=[{"task_key": "t"}]
                )
                attempt, _ = create_attempt(uow, request, utcnow() + timedelta(hours=1), True)
                attempts.append(attempt.id)
        return attempts, issue_token(plane.ctx, "bench")
    finally:
        plane.ctx.engine.dispose()


def started(root: Path, url: str, number: int, source: str | None) -> tuple[subprocess.Popen[bytes], str]:
    """Starts one `lakerun serve` process on the database; returns it and its base URL once it answers."""
    port = free_port()
    config = root / f"serve-{number}.toml"
    config.write_text(
        f'database_url = "{url}"\nserver_key = "{SERVER_KEY}"\nreconcile_interval = 3600\n'
        f'home = "{root / f"home-{number}"}"\n[server]\nport = {port}\nlog_level = "warning"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKERUN_", "DATABRICKS_"))}
    path = [str(TRACE_HOOK)] + ([source] if source else [])
    env |= {
        "PYTHONPATH": os.pathsep.join(path),
        "LAKERUN_BENCH_TRACE": str(root / f"trace-{number}"),
        "LAKERUN_BENCH_NOWHERE": "unused",
    }
    log = root / f"serve-{number}.log"
    command = [sys.executable, "-c", LAKERUN, "serve", "--config", str(config)]
    process = subprocess.Popen(command, env=env, cwd=root, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lakerun serve exited:\n{log.read_text()[-3000:]}")
        with suppress(httpx.TransportError):
            if httpx.get(base + "/healthz", timeout=5).status_code < 500:
                return process, base
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("lakerun serve never answered")


def send_callbacks(base: str, attempts: list[str], events: int) -> dict[Key, float]:
    """POSTs `events` signed progress callbacks, 10 ms apart; returns each one's send time."""
    sent: dict[Key, float] = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        for number in range(events):
            attempt_id, sequence = attempts[number % len(attempts)], number // len(attempts) + 1
            body = json.dumps(
                {"sequence": sequence, "kind": "progress", "payload": {"progress": sequence / 10_000}}
            ).encode()
            stamp = str(int(time.time()))
            headers = {
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign(attempt_secret(SERVER_KEY.encode(), attempt_id), stamp, body),
            }
            sent[(attempt_id, sequence)] = time.monotonic()
            http.post(f"/v1/attempts/{attempt_id}/events", content=body, headers=headers).raise_for_status()
            time.sleep(0.01)
    return sent


def read_traces(root: Path) -> list[dict[str, Any]]:
    """The trace files the hook wrote at each server process's exit."""
    return [json.loads(path.read_text()) for path in sorted(root.glob("trace-*.json"))]


@contextmanager
def profiled(processes: list[subprocess.Popen[bytes]], folder: Path | None, label: str) -> Iterator[None]:
    """Samples each server process with py-spy (collapsed stacks in `folder`) while the body runs."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    name = label.replace(" ", "_")
    spies = [
        subprocess.Popen(
            [
                "py-spy",
                "record",
                "--pid",
                str(p.pid),
                "--format",
                "raw",
                "--rate",
                "200",
                "--nonblocking",
                "-o",
                str(folder / f"{name}-{n}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n, p in enumerate(processes)
    ]
    try:
        yield
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)


def measure(
    scenario: Scenario, subscribers: int, events: int, wait: float, spy: Path | None = None
) -> Outcome:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, database(scenario.postgres, Path(tmp)) as url:
        root = Path(tmp)
        attempts, token = seed(url, root)
        servers = [started(root, url, number, scenario.source) for number in range(scenario.processes)]
        urls = [base.replace("http://", "ws://") + f"/v1/events?token={token}" for _, base in servers]
        spawn = multiprocessing.get_context("spawn")
        results: Queue = spawn.Queue()
        child = spawn.Process(target=subscribe, args=(urls, subscribers, events, wait, results))
        try:
            child.start()
            results.get(timeout=180)
            time.sleep(1.0)  # every socket accepted and subscribed on the server side
            pids = [p.pid for p, _ in servers]
            before = [cpu_seconds(pid) for pid in pids], cpu_seconds(child.pid)
            with profiled([p for p, _ in servers], spy, scenario.label):
                sent = send_callbacks(servers[0][1], attempts, events)
            results.put("sent")
            time.sleep(0.2)  # the child takes "sent" before we wait for its answer
            raw = results.get(timeout=wait + 120)
            server_cpu = sum(map(cpu_seconds, pids)) - sum(before[0])
            subscriber_cpu = cpu_seconds(child.pid) - before[1]
            child.join(30)
        finally:
            for process, _ in servers:
                stopped(process)
        received = [{(k.split("|")[0], int(k.split("|")[1])): t for k, t in got.items()} for got in raw]
        traces = read_traces(root)
    outcome = summarise(scenario, sent, received, traces, subscribers, events, load)
    outcome.server_cpu, outcome.subscriber_cpu = server_cpu / events * 1000, subscriber_cpu / events * 1000
    return outcome


def summarise(
    scenario: Scenario,
    sent: dict[Key, float],
    received: list[dict[Key, float]],
    traces: list[dict[str, Any]],
    subscribers: int,
    events: int,
    load: float,
) -> Outcome:
    commit: dict[Key, float] = {}
    ids: dict[int, Key] = {}
    for trace in traces:
        for event_id, key, at in trace.get("commit", []):
            ids[event_id] = (key[0], key[1])
            commit[(key[0], key[1])] = at
    from_sent = [(got[key] - t0) * 1000 for got in received for key, t0 in sent.items() if key in got]
    from_commit = [(got[key] - commit[key]) * 1000 for got in received for key in got if key in commit]
    stages: dict[str, list[float]] = defaultdict(list)
    for key, t0 in sent.items():
        if key in commit:
            stages["sent → committed"].append((commit[key] - t0) * 1000)
    for trace in traces:
        for event_id, at in trace.get("bus", []):
            if event_id in ids and ids[event_id] in commit:
                stages["committed → on bus"].append((at - commit[ids[event_id]]) * 1000)
        for event_id, at in trace.get("notify", []):
            if event_id in ids and ids[event_id] in commit:
                stages["committed → NOTIFY heard"].append((at - commit[ids[event_id]]) * 1000)
        on_bus = {event_id: at for event_id, at in trace.get("bus", [])}
        for event_id, at in trace.get("send", []):
            if event_id in on_bus:
                stages["on bus → sent to a subscriber"].append((at - on_bus[event_id]) * 1000)
    return Outcome(scenario, from_sent, from_commit, events * subscribers - len(from_sent), stages, load)


def pct(samples: list[float], share: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(outcomes: list[Outcome]) -> None:
    width = max(22, *(len(o.scenario.label) for o in outcomes))
    print(
        f"\n{'scenario':<{width}} {'load':>5} {'lost':>5}   commit→delivered p50/p99/max ms"
        "   sent→delivered p50/p99/max ms   CPU ms/event: servers, subscribers"
    )
    for o in outcomes:
        c, s = o.from_commit, o.from_sent
        print(
            f"{o.scenario.label:<{width}} {o.load:>5.1f} {o.lost:>5}   "
            f"{pct(c, 0.5):>8.1f} {pct(c, 0.99):>8.1f} {max(c, default=float('nan')):>8.1f}       "
            f"{pct(s, 0.5):>8.1f} {pct(s, 0.99):>8.1f} {max(s, default=float('nan')):>8.1f}"
            f"      {o.server_cpu:>8.2f} {o.subscriber_cpu:>8.2f}"
        )
    print("\nstages (ms, p50 / p99):")
    for o in outcomes:
        parts = [f"{name} {pct(v, 0.5):.1f}/{pct(v, 0.99):.1f}" for name, v in o.stages.items()]
        print(f"  {o.scenario.label}: " + "; ".join(parts))


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    sources: list[tuple[str, str | None]] = [("this", None)]
    if args.baseline_src:
        sources.append(("baseline", str(Path(args.baseline_src).resolve())))
    found = []
    for database_name, admin in [("sqlite", None), ("postgres", args.postgres)]:
        if database_name == "postgres" and not admin:
            continue
        for processes in args.processes:
            if database_name == "sqlite" and processes > 1:
                continue
            found.extend(
                Scenario(f"{database_name} x{processes} {name}", admin, processes, source)
                for name, source in sources
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a database is created per run)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="server processes")
    parser.add_argument("--baseline-src", help="another source tree to run side by side (e.g. ../main/src)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole table, interleaved")
    parser.add_argument("--py-spy", type=Path, help="folder for py-spy samples of the servers (raw stacks)")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for stragglers")
    args = parser.parse_args()
    print(
        f"{args.events} progress callbacks, {args.subscribers} subscribers; "
        f"{os.cpu_count()} cores (target commit→delivered p99 < 100 ms, none lost)",
        flush=True,
    )
    outcomes = []
    for _ in range(args.rounds):
        for scenario in scenarios(args):
            outcome = measure(scenario, args.subscribers, args.events, args.wait, args.py_spy)
            print(
                f"  {scenario.label}: load {outcome.load:.1f}, lost {outcome.lost}, commit→delivered "
                f"p99 {pct(outcome.from_commit, 0.99):.1f} ms",
                flush=True,
            )
            outcomes.append(outcome)
    report(outcomes)


if __name__ == "__main__":
    main()
