"""Benchmark: signed callback received → WebSocket event delivered, p50/p99, with 1 and with 100 subscribers.

Serves a control plane (SQLite), commits attempts, opens N WebSocket subscribers (all events), then
POSTs signed `progress` callbacks one after another. Latency = subscriber receive time - the moment the
callback request was sent (so it includes HTTP, signature check, the database commit and fan-out).
Subscribers run in a separate process (CLOCK_MONOTONIC is shared), so they do not compete with the
server for the GIL.
Target: p99 under 100 ms with 100 subscribers.

    .venv/bin/python bench/event_latency.py [--subscribers 1 100] [--events 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import timedelta
from multiprocessing import Queue
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from lakerun.control.attempts import TriggerRequest, create_attempt
from lakerun.control.callbacks import attempt_secret
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.executor.callbacks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from lakerun.local.server import free_port
from lakerun.server.app import create_app
from lakerun.server.serve import RunningServer, start_in_thread
from lakerun.store.models import utcnow

ATTEMPTS = 20


def subscribe(url: str, count: int, expected: int, results: Queue) -> None:
    """Child process: N WebSocket clients on one loop; puts their receive times on `results`."""
    received: list[dict[tuple[str, int], float]] = [{} for _ in range(count)]

    async def read(socket: object, index: int) -> None:
        async for message in socket:  # type: ignore[attr-defined]
            event = json.loads(message)
            if event.get("type") == "run.progress":
                key = (event["attempt_id"], round(event["progress"] * 10_000))
                received[index][key] = time.monotonic()

    async def main() -> None:
        sockets = [await connect(url) for _ in range(count)]
        results.put("ready")
        readers = [asyncio.create_task(read(socket, index)) for index, socket in enumerate(sockets)]
        deadline = time.monotonic() + 120
        while sum(map(len, received)) < expected * count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for reader in readers:
            reader.cancel()
        for socket in sockets:
            await socket.close()  # type: ignore[attr-defined]

    asyncio.run(main())
    results.put(received)


def serve(root: Path) -> tuple[RunningServer, list[str], str]:
    os.environ.setdefault("LAKERUN_BENCH_NOWHERE", "unused")
    settings = ControlSettings(home=root, server_key="bench", reconcile_interval=3600)
    plane = ControlPlane(settings)
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
    token = issue_token(plane.ctx, "bench")
    server = start_in_thread(create_app(settings, plane), plane, "127.0.0.1", free_port())
    return server, attempts, token


def send_callbacks(server: RunningServer, attempts: list[str], events: int) -> dict[tuple[str, int], float]:
    sent: dict[tuple[str, int], float] = {}
    with httpx.Client(base_url=server.url) as http:
        for number in range(events):
            attempt_id, sequence = attempts[number % len(attempts)], number // len(attempts) + 1
            progress = sequence / 10_000
            body = json.dumps(
                {"sequence": sequence, "kind": "progress", "payload": {"progress": progress}}
            ).encode()
            stamp = str(int(time.time()))
            headers = {
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign(attempt_secret(b"bench", attempt_id), stamp, body),
            }
            sent[(attempt_id, sequence)] = time.monotonic()
            http.post(f"/v1/attempts/{attempt_id}/events", content=body, headers=headers).raise_for_status()
            time.sleep(0.01)
    return sent


def measure(subscriber_count: int, events: int) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        server, attempts, token = serve(Path(tmp))
        url = server.url.replace("http://", "ws://") + f"/v1/events?token={token}"
        spawn = multiprocessing.get_context("spawn")
        results: Queue = spawn.Queue()
        child = spawn.Process(target=subscribe, args=(url, subscriber_count, events, results))
        child.start()
        results.get(timeout=120)
        while server.plane.bus.subscriber_count < subscriber_count:
            time.sleep(0.05)
        sent = send_callbacks(server, attempts, events)
        received = results.get(timeout=180)
        child.join(30)
        server.stop()
        server.plane.stop()
    latencies = [(got[key] - t0) * 1000 for got in received for key, t0 in sent.items() if key in got]
    return latencies, events * subscriber_count - len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    print(
        f"callback sent -> WebSocket event received, {args.events} progress callbacks (target p99 < 100 ms)"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start (other work skews these)"
    )
    print(f"{'subscribers':>11} {'deliveries':>10} {'missing':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for count in args.subscribers:
        latencies, missing = measure(count, args.events)
        p50 = statistics.median(latencies)
        p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else latencies[0]
        print(f"{count:>11} {len(latencies):>10} {missing:>8} {p50:>8.1f} {p99:>8.1f} {max(latencies):>8.1f}")


if __name__ == "__main__":
    main()
