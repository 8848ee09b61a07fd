"""Benchmark: the pet-claims pipeline (13 tables) by lakerun on DuckDB, hand-written DuckDB SQL, lakerun on Spark.

Generates the dirty dataset once per size, then runs each contender in its own process on its own
copy of the data root and prints wall time, CPU time (user + system of the process tree) and peak
memory (resident set of the process tree, so Spark's JVM counts), plus lakerun's rerun with nothing
new (every table up to date). Never fails on time.

    .venv/bin/python bench/pipeline.py [--rows 1000000,10000000] [--contenders lakerun,sql,spark]

The hand-written SQL runs first, each line is printed as soon as it is measured, and ratios compare
contenders of the same run (the machine's load, printed by `uptime` before and after
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
engine_name, data_root, driver_memory, partitions = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5]
if engine_name == "spark":
    from pyspark.sql import SparkSession
    SparkSession.builder.master("local[2]").config("spark.driver.memory", driver_memory) \\
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false") \\
        .config("spark.sql.shuffle.partitions", partitions).config("spark.sql.adaptive.enabled", "true") \\
        .config("spark.local.dir", os.path.join(data_root, "spark-local")) \\
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


def _tree(root: int) -> list[Path]:
    """The /proc entries of a process and all its descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    family, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current and pid not in family]
        family.update(children)
        frontier.extend(children)
    return [Path("/proc") / str(pid) for pid in family]


def tree_sample(root: int) -> tuple[int, dict[int, float]]:
    """Resident memory (kB) of a process tree and each member's CPU seconds so far, from /proc.

    CPU is sampled too because a JVM that Spark starts is not always waited for by its parent, so
    `getrusage(RUSAGE_CHILDREN)` can miss it."""
    rss, cpu = 0, {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in _tree(root):
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        cpu[int(entry.name)] = (int(stat[11]) + int(stat[12])) / ticks
        rss += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return rss, cpu


def _measured(command: list[str], env: dict[str, str]) -> dict:
    """Run a child process, sampling its tree's memory; wall, CPU and the JSON line it prints."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0]
    seen_cpu: dict[int, float] = {}

    def sample() -> None:
        while child.poll() is None:
            rss, cpu = tree_sample(child.pid)
            peak[0] = max(peak[0], rss)
            seen_cpu.update(cpu)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    sampler.join()
    total = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(waited, sum(seen_cpu.values()))
    if child.returncode != 0:
        tail = err.strip().splitlines()[-1] if err.strip() else f"exit {child.returncode}"
        return {"error": tail, "total": total}
    result = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith('{"wall"')))
    return {**result, "total": total, "cpu": cpu, "peak_mb": peak[0] / 1024}


def shuffle_partitions(rows: int) -> int:
    """Spark's shuffle partitions for a local[2] run: about 64 MB of claims each, at least 4 (Spark's 200 is
    meant for clusters; on two cores each costs a task per shuffle for a few kB)."""
    return max(4, rows // 500_000)


def run_contender(contender: str, data_root: Path, driver_memory: str, rows: int = 0) -> dict:
    """One contender over one data root: `lakerun` (DuckDB), `sql` (hand-written DuckDB) or `spark`."""
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONPATH": str(REPO / "src")}
    if contender == "sql":
        return _measured(
            [sys.executable, str(REPO / "bench" / "pipeline_duckdb_sql.py"), str(data_root)], env
        )
    engine = "spark" if contender == "spark" else "duckdb"
    config = str(EXAMPLE / "pipeline.yml")
    arguments = [engine, str(data_root), driver_memory, config, str(shuffle_partitions(rows))]
    return _measured([sys.executable, "-c", CHILD, *arguments], env)


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
        print(header, flush=True)
        results: dict[str, dict] = {}
        for contender in sorted(contenders, key=lambda c: c != "sql"):
            results[contender] = run_contender(contender, roots[contender], args.spark_driver_memory, rows)
            baseline = {} if "error" in results.get("sql", {"error": ""}) else results["sql"]
            print(_line(LABELS[contender], rows, results[contender], baseline), flush=True)
            if contender == "lakerun" and "error" not in results[contender]:
                rerun = run_contender("lakerun", roots["lakerun"], args.spark_driver_memory, rows)
                print(_line("lakerun rerun, nothing new", rows, rerun, baseline), flush=True)
                if "error" not in rerun:
                    share = rerun["wall"] / results["lakerun"]["wall"]
                    print(
                        f"  rerun: {rerun['skipped']}/{rerun['tables']} tables up to date, "
                        f"{share:.1%} of the full run",
                        flush=True,
                    )
        print(f"after {rows:,}: {uptime()}", flush=True)


if __name__ == "__main__":
    main()
