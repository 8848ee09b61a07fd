"""Latency of the local workspace as a client sees it, through the official databricks-sdk.

Prints p50/p95 of run-now -> TERMINATED for a trivial python task, measured with a tight runs/get
polling loop, next to the SDK's own waiter (`run_now(...).result()`, which sleeps 1 s, 2 s, ...
between polls) as the baseline, and of a jobs/list round trip. Target: p50 < 300 ms for the run.

    .venv/bin/python bench/workspace_latency.py [--runs 30] [--waiter-runs 5] [--list-calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

from lakerun.local.server import free_port

TERMINAL = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}


def timed(action: Callable[[], object], count: int) -> list[float]:
    """Wall-clock milliseconds of `count` calls of `action`."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run_and_poll(client: WorkspaceClient, job_id: int) -> None:
    """run-now, then runs/get every 2 ms until the run is terminal."""
    run_id = client.jobs.run_now(job_id=job_id).run_id
    while True:
        state = client.jobs.get_run(run_id).state
        if state and state.life_cycle_state and state.life_cycle_state.value in TERMINAL:
            return
        time.sleep(0.002)


def burst(client: WorkspaceClient, job_id: int, count: int) -> tuple[float, int]:
    """`count` run-nows sent at once (16 client threads); seconds until all are terminal, and how
    many ended SUCCESS."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        pending = set(pool.map(lambda _: client.jobs.run_now(job_id=job_id).run_id, range(count)))
    succeeded = 0
    while pending:
        for run_id in list(pending):
            state = client.jobs.get_run(run_id).state
            if state and state.life_cycle_state and state.life_cycle_state.value in TERMINAL:
                pending.discard(run_id)
                succeeded += state.result_state is not None and state.result_state.value == "SUCCESS"
        time.sleep(0.01)
    return time.perf_counter() - started, succeeded


def percentiles(samples: list[float]) -> str:
    """'p50 … ms  p95 … ms  (n=…)' of a list of milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):8.1f} ms   p95 {p95:8.1f} ms   (n={len(ordered)})"


@contextmanager
def served_workspace(root: Path) -> Iterator[str]:
    """`lakerun workspace serve` in its own process, as users run it; yields its URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "lakerun.cli.main",
        "workspace",
        "serve",
        "--root",
        str(root),
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/healthz")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the workspace did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    """Starts a workspace on a free port, measures, prints the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--waiter-runs", type=int, default=5)
    parser.add_argument("--list-calls", type=int, default=200)
    parser.add_argument(
        "--burst", type=int, default=100, help="runs triggered at once, then one after another"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "trivial.py"
        script.write_text("print('ok')\n")
        with served_workspace(Path(folder) / "ws") as url:
            client = WorkspaceClient(host=url, token="dapi-local")
            task = jobs.Task(task_key="t", spark_python_task=jobs.SparkPythonTask(python_file=str(script)))
            job_id = client.jobs.create(name="bench", max_concurrent_runs=1, tasks=[task]).job_id
            assert job_id is not None
            run_and_poll(client, job_id)  # warm-up
            polled = timed(lambda: run_and_poll(client, job_id), args.runs)
            waited = timed(lambda: client.jobs.run_now(job_id=job_id).result(), args.waiter_runs)
            listed = timed(lambda: list(client.jobs.list()), args.list_calls)
            many = client.jobs.create(name="burst", max_concurrent_runs=args.burst, tasks=[task]).job_id
            assert many is not None
            at_once, at_once_ok = burst(client, many, args.burst)
            one_by_one = sum(timed(lambda: run_and_poll(client, many), args.burst)) / 1000
    print("local workspace latency (server in its own process, databricks-sdk over HTTP)")
    print(f"run-now -> TERMINATED, tight runs/get polling : {percentiles(polled)}")
    print(f"run-now -> TERMINATED, SDK waiter .result()   : {percentiles(waited)}   <- baseline")
    print(f"jobs/list round trip                          : {percentiles(listed)}")
    print(
        f"{args.burst} runs triggered at once -> all terminal      : {at_once:6.2f} s   "
        f"{args.burst / at_once:6.1f} runs/s   ({at_once_ok} SUCCESS)"
    )
    print(
        f"{args.burst} runs one after another (run-now, poll)    : {one_by_one:6.2f} s   "
        f"{args.burst / one_by_one:6.1f} runs/s"
    )
    verdict = "meets" if statistics.median(polled) < 300 else "misses"
    print(f"target p50 < 300 ms for the trivial run: {verdict}")


if __name__ == "__main__":
    main()
