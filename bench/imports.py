"""Start-up cost of the workload entry points, which every Databricks task pays before doing any work.

Times `--help` of `lakerun-executor`, `lakerun-layer` and `lakerun-profile` as whole processes (the
interpreter's own start-up included), next to a bare `python -c pass` as the baseline, and prints the
heaviest modules each one imports (from `python -X importtime`). Target: under 0.5 s each.

    .venv/bin/python bench/imports.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

ENTRY_POINTS = {
    "python -c pass (baseline)": ("-c", "pass"),
    "lakerun-executor --help": ("-m", "lakerun.executor.entrypoint", "--help"),
    "lakerun-layer --help": ("-m", "lakerun.pipeline.entrypoint", "--help"),
    "lakerun-profile --help": ("-m", "lakerun.quality.job", "--help"),
}


def wall_seconds(args: tuple[str, ...], runs: int) -> list[float]:
    """Wall-clock seconds of `runs` fresh interpreters running `args`."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return samples


def heaviest_imports(args: tuple[str, ...], count: int = 3) -> list[tuple[str, float]]:
    """The `count` top-level imports with the largest cumulative time, in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], check=True, capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            rows.append((parts[2].strip(), int(parts[1]) / 1e6))
    return sorted(rows, key=lambda row: row[1], reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    print(f"{'entry point':32} {'min':>7} {'median':>7} {'max':>7}   heaviest top-level imports")
    for name, args in ENTRY_POINTS.items():
        samples = wall_seconds(args, options.runs)
        heavy = ", ".join(f"{module} {seconds:.2f}s" for module, seconds in heaviest_imports(args))
        print(
            f"{name:32} {min(samples):6.2f}s {statistics.median(samples):6.2f}s {max(samples):6.2f}s   {heavy}"
        )


if __name__ == "__main__":
    main()
