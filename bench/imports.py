"""Start-up cost of the workload entry points, which every Databricks task pays before doing any work.

Times `--help` of `lakerun-executor`, `lakerun-layer` and `lakerun-profile` as whole processes (the
interpreter's own start-up included), next to a bare `python -c pass` as the baseline, and prints the
heaviest modules each one imports (from `python -X importtime`). Target: under 0.5 s each. A
`schema_validation` run on an empty folder shows what the lightest real job costs. With `--against REV`
the same commands also run on that git revision's source (e.g. `main`), side by side.

Byte code is written and one untimed run warms it, as in an installed wheel (`PYTHONDONTWRITEBYTECODE`
would otherwise make every run compile its modules again).

    .venv/bin/python bench/imports.py [--runs 7] [--against main]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

SCRIPTS = Path(sys.executable).parent
"""The installed console scripts (what a task runs), beside the interpreter running the benchmark."""
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def commands(folder: Path) -> dict[str, tuple[str, ...]]:
    """The timed command lines (arguments to the interpreter), by name."""
    executor = str(SCRIPTS / "lakerun-executor")
    return {
        "python -c pass (baseline)": ("-c", "pass"),
        "lakerun-executor --help": (executor, "--help"),
        "lakerun-layer --help": (str(SCRIPTS / "lakerun-layer"), "--help"),
        "lakerun-profile --help": (str(SCRIPTS / "lakerun-profile"), "--help"),
        "lakerun-executor schema_validation": (
            executor,
            *("schema_validation", str(folder), "auto", "t", "--metadata-db", str(folder / "m.duckdb")),
        ),
    }


def wall_seconds(args: tuple[str, ...], runs: int, env: Mapping[str, str]) -> list[float]:
    """Wall-clock seconds of `runs` fresh interpreters running `args`, after one untimed warm-up."""
    subprocess.run([sys.executable, *args], check=True, capture_output=True, env=env)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - started)
    return samples


def heaviest_imports(
    args: tuple[str, ...], env: Mapping[str, str], count: int = 3
) -> list[tuple[str, float]]:
    """The `count` top-level imports with the largest cumulative time, in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], check=True, capture_output=True, text=True, env=env
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            rows.append((parts[2].strip(), int(parts[1]) / 1e6))
    return sorted(rows, key=lambda row: row[1], reverse=True)[:count]


def source_of(revision: str, into: Path) -> dict[str, str]:
    """An environment importing `lakerun` from `revision`'s `src/` (extracted into `into`) before the install."""
    archive = subprocess.run(["git", "archive", revision, "src"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return {**CHILD_ENV, "PYTHONPATH": str(into / "src")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", metavar="REV", help="also time git revision REV's source, side by side")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lakerun-bench-"))
    baseline = source_of(options.against, folder / "baseline") if options.against else None
    against = f"   {options.against + ' median':>14}" if baseline else ""
    print(f"{'entry point':36} {'min':>7} {'median':>7} {'max':>7}{against}   heaviest top-level imports")
    for name, args in commands(folder).items():
        samples = wall_seconds(args, options.runs, CHILD_ENV)
        heavy = ", ".join(f"{module} {seconds:.2f}s" for module, seconds in heaviest_imports(args, CHILD_ENV))
        before = (
            f"   {statistics.median(wall_seconds(args, options.runs, baseline)):13.2f}s" if baseline else ""
        )
        print(
            f"{name:36} {min(samples):6.2f}s {statistics.median(samples):6.2f}s {max(samples):6.2f}s"
            f"{before}   {heavy}"
        )


if __name__ == "__main__":
    main()
