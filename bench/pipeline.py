"""Benchmark: the pet-claims pipeline (13 tables) by lakerun on DuckDB, hand-written DuckDB SQL, lakerun on Spark.

Generates the dirty dataset once per size, then runs each contender in its own process on its own
copy of the data root and prints wall time, CPU time (user + system of the process tree) and peak
memory (resident set of the process tree, so Spark's JVM counts), plus lakerun's rerun with nothing
new (every table up to date). Never fails on time.

    .venv/bin/python bench/pipeline.py [--rows 1000000,10000000] [--contenders lakerun,sql,spark]

Ratios compare contenders of the same run (the machine's load, printed by `uptime` before and after
each size, weighs on all of them alike).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
results = runner.run_all(engine)
engine.close()
layers = {}
for r in results:
    layers[r.layer] = layers.get(r.layer, 0.0) + r.duration_seconds
print(json.dumps({"wall": time.perf_counter() - started, "layers": layers,
                  "skipped": sum(r.skipped for r in results), "tables": len(results)}))
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


def _measured(command: list[str], env: dict[str, str]) -> dict:
    """Run a child process, sampling its tree's memory; wall, CPU and the JSON line it prints."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0]

    def sample() -> None:
        while child.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(child.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    sampler.join()
    total = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if child.returncode != 0:
        tail = err.strip().splitlines()[-1] if err.strip() else f"exit {child.returncode}"
        return {"error": tail, "total": total}
    result = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith('{"wall"')))
    return {**result, "total": total, "cpu": cpu, "peak_mb": peak[0] / 1024}


def run_contender(contender: str, data_root: Path, driver_memory: str) -> dict:
    """One contender over one data root: `lakerun` (DuckDB), `sql` (hand-written DuckDB) or `spark`."""
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONPATH": str(REPO / "src")}
    if contender == "sql":
        return _measured(
            [sys.executable, str(REPO / "bench" / "pipeline_duckdb_sql.py"), str(data_root)], env
        )
    engine = "spark" if contender == "spark" else "duckdb"
    config = str(EXAMPLE / "pipeline.yml")
    return _measured([sys.executable, "-c", CHILD, engine, str(data_root), driver_memory, config], env)


def prepare(directory: Path, rows: int, contenders: list[str]) -> dict[str, Path]:
    """Generate the raw landings once and give each contender its own copy of the data root."""
    raw = directory / f"raw-{rows}"
    marker = raw / ".complete"
    if not marker.exists():
        shutil.rmtree(raw, ignore_errors=True)
        started = time.perf_counter()
        generator = [sys.executable, str(EXAMPLE / "generate.py"), "--rows", str(rows), "--files", "16"]
        subprocess.run([*generator, "--out", str(raw)], check=True)
        marker.touch()
        print(f"generated {rows:,} claims in {time.perf_counter() - started:.1f}s")
    roots = {}
    for contender in contenders:
        root = directory / f"{contender}-{rows}"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        (root / "raw").symlink_to(raw.resolve())
        roots[contender] = root
    return roots


LABELS = {"lakerun": "lakerun (DuckDB)", "sql": "hand-written DuckDB SQL", "spark": "lakerun (local Spark)"}


def _ratio(value: float, baseline: float | None) -> str:
    return f"{value / baseline:>6.2f}x" if baseline else "      -"


def _line(label: str, rows: int, result: dict, baseline: dict) -> str:
    if "error" in result:
        return f"{label:30} {rows:>11,} failed after {result['total']:.1f}s: {result['error']}"
    layers = "  ".join(f"{name} {seconds:.1f}" for name, seconds in result.get("layers", {}).items())
    return (
        f"{label:30} {rows:>11,} {result['wall']:>8.2f} {_ratio(result['wall'], baseline.get('wall'))} "
        f"{result['cpu']:>8.1f} {_ratio(result['cpu'], baseline.get('cpu'))} "
        f"{result['peak_mb']:>8.0f} {_ratio(result['peak_mb'], baseline.get('peak_mb'))}  {layers}"
    )


def uptime() -> str:
    """The machine's load right now, as `uptime` prints it."""
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000", help="comma-separated distinct claim counts")
    parser.add_argument(
        "--contenders", default="lakerun,sql,spark", help="comma-separated: lakerun, sql, spark"
    )
    parser.add_argument("--dir", type=Path, default=REPO / ".lakerun" / "bench" / "pipeline")
    parser.add_argument("--spark-driver-memory", default="6g")
    args = parser.parse_args()
    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    header = (
        f"{'contender':30} {'claims':>11} {'wall s':>8} {'vs SQL':>7} {'CPU s':>8} {'vs SQL':>7} "
        f"{'peak MB':>8} {'vs SQL':>7}  layers (s)"
    )
    for rows in [int(r) for r in args.rows.split(",")]:
        roots = prepare(args.dir, rows, contenders)
        print(f"\nbefore {rows:,}: {uptime()}")
        results = {c: run_contender(c, roots[c], args.spark_driver_memory) for c in contenders}
        baseline = results.get("sql", {})
        baseline = {} if "error" in baseline else baseline
        print(header)
        for contender, result in results.items():
            print(_line(LABELS[contender], rows, result, baseline))
        if "lakerun" in results and "error" not in results["lakerun"]:
            rerun = run_contender("lakerun", roots["lakerun"], args.spark_driver_memory)
            print(_line("lakerun rerun, nothing new", rows, rerun, baseline))
            if "error" not in rerun:
                share = rerun["wall"] / results["lakerun"]["wall"]
                print(
                    f"  rerun: {rerun['skipped']}/{rerun['tables']} tables up to date, {share:.1%} of the full run"
                )
        print(f"after {rows:,}: {uptime()}", flush=True)


if __name__ == "__main__":
    main()
