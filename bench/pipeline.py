"""Benchmark: the pet-claims pipeline raw → gold on DuckDB + Delta vs. the same pipeline on local Spark.

Generates the dirty claims dataset once (default 10M claims), then runs the whole four-layer pipeline
once per engine, each in its own process, and prints wall time and peak memory (resident set of the
process tree, so Spark's JVM counts) side by side, plus each layer's time. Never fails on time.

    .venv/bin/python bench/pipeline.py [--rows 10000000] [--engines duckdb,spark] [--dir .lakerun/bench/pipeline]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "pet_claims"

CHILD = """
import json, os, sys, time
from lakerun.pipeline.config.loader import load_pipeline
from lakerun.pipeline.engine_factory import create_engine
from lakerun.pipeline.runner import PipelineRunner
engine_name, data_root, driver_memory = sys.argv[1], sys.argv[2], sys.argv[3]
if engine_name == "spark":
    from pyspark.sql import SparkSession
    SparkSession.builder.master("local[2]").config("spark.driver.memory", driver_memory) \\
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false") \\
        .config("spark.sql.session.timeZone", "UTC").getOrCreate()
started = time.perf_counter()
runner = PipelineRunner(load_pipeline(sys.argv[4], {"data_root": data_root}))
engine = create_engine(engine_name)
layers = [(r.layer, r.rows_in, r.rows_out, r.duration_seconds) for r in runner.run_all(engine)]
engine.close()
print(json.dumps({"wall": time.perf_counter() - started, "layers": layers}))
"""


def tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[1])
        rss[int(entry.name)] = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    family, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current and pid not in family]
        family.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in family)


def run_engine(engine: str, data_root: Path, driver_memory: str) -> dict:
    """Run the pipeline on one engine in a child process, sampling the process tree's memory."""
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONPATH": str(REPO / "src")}
    command = [
        sys.executable,
        "-c",
        CHILD,
        engine,
        str(data_root),
        driver_memory,
        str(EXAMPLE / "pipeline.yml"),
    ]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0]

    def sample() -> None:
        while child.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(child.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    sampler.join()
    total = time.perf_counter() - started
    if child.returncode != 0:
        return {
            "error": err.strip().splitlines()[-1] if err.strip() else f"exit {child.returncode}",
            "total": total,
        }
    result = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith('{"wall"')))
    return {**result, "total": total, "peak_mb": peak[0] / 1024}


def prepare(directory: Path, rows: int, engines: list[str]) -> dict[str, Path]:
    """Generate the raw claims once and give each engine its own copy of the data root."""
    raw = directory / "raw-source"
    marker = raw / f".rows-{rows}"
    if not marker.exists():
        shutil.rmtree(raw, ignore_errors=True)
        started = time.perf_counter()
        generator = [
            sys.executable,
            str(EXAMPLE / "generate.py"),
            "--rows",
            str(rows),
            "--files",
            "16",
            "--out",
            str(raw),
        ]
        subprocess.run(generator, check=True)
        marker.touch()
        print(f"generated in {time.perf_counter() - started:.1f}s")
    roots = {}
    for engine in engines:
        root = directory / engine
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        (root / "raw").symlink_to(raw.resolve())
        roots[engine] = root
    return roots


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="distinct claims to generate")
    parser.add_argument("--engines", default="duckdb,spark", help="comma-separated: duckdb, spark")
    parser.add_argument("--dir", type=Path, default=REPO / ".lakerun" / "bench" / "pipeline")
    parser.add_argument("--spark-driver-memory", default="6g")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    roots = prepare(args.dir, args.rows, engines)
    print(f"\n{'engine':8} {'claims':>12} {'wall s':>8} {'process s':>10} {'peak MB':>9}  layers (s)")
    for engine in engines:
        result = run_engine(engine, roots[engine], args.spark_driver_memory)
        if "error" in result:
            print(f"{engine:8} {args.rows:>12,} failed after {result['total']:.1f}s: {result['error']}")
            continue
        layers = "  ".join(f"{name} {seconds:.1f}" for name, _, _, seconds in result["layers"])
        print(
            f"{engine:8} {args.rows:>12,} {result['wall']:>8.1f} {result['total']:>10.1f} {result['peak_mb']:>9.0f}  {layers}"
        )


if __name__ == "__main__":
    main()
