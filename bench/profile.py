"""Benchmark: lakerun's full profile vs DuckDB SUMMARIZE vs one count/min/max scan vs pandas describe vs
ydata-profiling minimal.

Generates a 10M-row x 20-column parquet with realistic dirt (and a 1M-row one), then runs each tool in its
own process and prints wall time, CPU time (user + system of the process, all threads) and peak RSS side
by side, the median of `--repeat` runs, then lakerun's ratio to each baseline and the load average (the
ratios of one run hold better than absolute times on a shared machine). Imports are included for every
tool. Never fails on time.

    .venv/bin/python bench/profile.py [--rows 10000000] [--dir .lakerun/bench] [--repeat 3] [--ydata-python PATH]

ydata-profiling needs pandas < 3, so it runs from its own environment, created on first use with the
pinned versions below under ~/.cache/lakerun/bench-ydata (`--no-ydata` skips it). It is run at the small
size only: at 10M rows it needs more memory than the machine has.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROW_GROUP = 122_880
YDATA_VENV = Path.home() / ".cache" / "lakerun" / "bench-ydata"
YDATA_REQUIREMENTS = ("ydata-profiling==4.18.4", "pandas==2.3.3", "pyarrow==21.0.0")


GENERATOR_SQL = """
COPY (
  SELECT
    i AS id,
    (hash(i, 1) % 105)::BIGINT::INT - 5 AS qty,
    round(exp(3 + (hash(i, 2) % 1000)::BIGINT / 400.0), 2) AS amount,
    50 + ((hash(i, 3) % 2000)::BIGINT - 1000) / 50.0 AS price,
    CASE WHEN hash(i, 4) % 20 = 0 THEN NULL ELSE 100 + ((hash(i, 5) % 3000)::BIGINT - 1500) / 100.0 END AS score,
    CASE WHEN hash(i, 6) % 5 = 0 THEN NULL ELSE (hash(i, 7) % 10000)::BIGINT / 10000.0 END AS ratio,
    1990 + (hash(i, 8) % 36)::BIGINT::INT AS year,
    (hash(i, 9) % 2)::BIGINT::INT AS flag_int,
    (hash(i, 10) % 1099511627776)::BIGINT::BIGINT AS big,
    CASE WHEN hash(i, 11) % 10 < 3 THEN 0.0 ELSE (hash(i, 12) % 1000)::BIGINT / 1000.0 END AS zeroish,
    CASE hash(i, 13) % 100 WHEN 0 THEN '' WHEN 1 THEN ' Name' || (hash(i, 14) % 200000)::BIGINT
         WHEN 2 THEN 'N/A' ELSE 'Name' || (hash(i, 14) % 200000)::BIGINT END AS name,
    ['red', 'green', 'blue', 'Blue', 'RED', 'yellow'][1 + (hash(i, 15) % 6)::BIGINT::INT] AS category,
    'C-' || (hash(i, 16) % 100000)::BIGINT AS code,
    md5(i::VARCHAR) AS hash,
    CASE WHEN hash(i, 17) % 10 = 0 THEN NULL ELSE (hash(i, 18) % 1000000)::BIGINT::VARCHAR END AS numeric_text,
    ['AB', 'CD', 'EF', 'GH', 'ZZ'][1 + (hash(i, 19) % 5)::BIGINT::INT] AS upper_code,
    DATE '2015-01-01' + (hash(i, 20) % 4000)::BIGINT::INT AS day,
    TIMESTAMP '2020-01-01' + to_seconds((hash(i, 21) % 100000000)::BIGINT::BIGINT) AS ts,
    hash(i, 22) % 10 < 7 AS active,
    CASE WHEN hash(i, 23) % 10 = 0 THEN NULL ELSE hash(i, 24) % 100 = 0 END AS deleted
  FROM range({rows}) t(i)
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE {row_group})
"""


def generate(path: Path, rows: int) -> None:
    """Write the dirty 20-column parquet: 10 numeric, 6 text with dirt, a date, a timestamp, 2 booleans."""
    import duckdb

    duckdb.connect().execute(GENERATOR_SQL.format(rows=rows, path=path, row_group=ROW_GROUP))


TOOLS = {
    "lakerun profile": """
from lakerun.quality import assess
from lakerun.quality.sources import open_source
opened = open_source('{path}')
result = assess(opened.engine, opened.tables[0])
print(len(result.anomalies), "anomalies", result.profiles[0].timings, file=sys.stderr)
""",
    "duckdb SUMMARIZE": """
import duckdb
duckdb.sql("SUMMARIZE SELECT * FROM read_parquet('{path}')").fetchall()
""",
    "count/min/max scan": """
import duckdb
duckdb.sql("SELECT count(*), count(COLUMNS(*)), min(COLUMNS(*)), max(COLUMNS(*)) FROM read_parquet('{path}')").fetchall()
""",
    "pandas describe(all)": """
import pandas as pd
pd.read_parquet('{path}').describe(include="all")
""",
    "ydata-profiling minimal": """
import pandas as pd
from ydata_profiling import ProfileReport
ProfileReport(pd.read_parquet('{path}'), minimal=True, progress_bar=False).get_description()
""",
}

_HARNESS = """
import resource, sys, time, json
start = time.perf_counter()
{code}
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}}))
"""


def measure(python: str, code: str, path: Path) -> dict[str, float] | str:
    """Run one tool in a fresh process: wall and CPU time (imports included) and peak RSS, or the error."""
    script = _HARNESS.format(code=code.format(path=path))
    done = subprocess.run([python, "-c", script], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    if done.stderr.strip():
        print("   ", done.stderr.strip().splitlines()[-1][:300])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def median_of(python: str, code: str, path: Path, repeat: int) -> dict[str, float] | str:
    """The median wall, CPU and peak RSS over `repeat` fresh runs (the first error ends it)."""
    runs = []
    for _ in range(repeat):
        result = measure(python, code, path)
        if isinstance(result, str):
            return result
        runs.append(result)
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def _has_module(python: str, module: str) -> bool:
    return (
        subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False).returncode == 0
    )


def ydata_python(venv: Path) -> str | None:
    """The interpreter of the ydata-profiling environment, created with the pinned versions when missing
    (None when it cannot be built, e.g. offline)."""
    python = venv / "bin" / "python"
    if python.exists() and _has_module(str(python), "ydata_profiling"):
        return str(python)
    print(f"creating {venv} with {', '.join(YDATA_REQUIREMENTS)} ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "-q", *YDATA_REQUIREMENTS],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"   could not build the ydata environment: {done.stderr.strip()[-300:]}")
            return None
    return str(python)


def _ratio(mine: float, theirs: float) -> str:
    return f"{theirs / mine:.2f}x" if mine else "-"


def print_ratios(results: dict[tuple[str, int], dict[str, float]]) -> None:
    """How many times less wall, CPU and memory lakerun uses than each baseline at each size."""
    print(f"\n{'lakerun vs (baseline / lakerun)':32} {'rows':>12} {'wall':>8} {'CPU':>8} {'peak RSS':>9}")
    for (tool, rows), theirs in results.items():
        mine = results.get(("lakerun profile", rows))
        if tool == "lakerun profile" or mine is None:
            continue
        print(
            f"{tool:32} {rows:>12,} {_ratio(mine['wall'], theirs['wall']):>8}"
            f" {_ratio(mine['cpu'], theirs['cpu']):>8} {_ratio(mine['rss_mb'], theirs['rss_mb']):>9}"
        )


def main() -> None:
    """Generate the files if needed, then print the comparison table and lakerun's ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(".lakerun/bench"))
    parser.add_argument("--ydata-venv", type=Path, default=YDATA_VENV, help="where the ydata env lives")
    parser.add_argument("--no-ydata", action="store_true", help="skip ydata-profiling")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated subset of: " + ", ".join(TOOLS)
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and size (median reported)")
    args = parser.parse_args()
    chosen = {name: TOOLS[name] for name in args.tools.split(",")}
    args.dir.mkdir(parents=True, exist_ok=True)
    files = {
        args.small: args.dir / f"dirty_{args.small}.parquet",
        args.rows: args.dir / f"dirty_{args.rows}.parquet",
    }
    for rows, path in files.items():
        if not path.exists():
            start = time.perf_counter()
            generate(path, rows)
            print(f"generated {path} ({rows:,} rows) in {time.perf_counter() - start:.1f}s")
    wants_ydata = any(t.startswith("ydata") for t in chosen) and not args.no_ydata
    ydata = ydata_python(args.ydata_venv) if wants_ydata else None
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    print(f"{'tool':26} {'rows':>12} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    results: dict[tuple[str, int], dict[str, float]] = {}
    for rows, path in sorted(files.items()):
        for tool, code in chosen.items():
            if tool.startswith("ydata") and (ydata is None or rows > args.small):
                reason = "not available" if ydata is None else f"skipped (> {args.small:,} rows: memory)"
                print(f"{tool:26} {rows:>12,} {reason}")
                continue
            python = ydata if tool.startswith("ydata") and ydata else sys.executable
            result = median_of(python, code, path, args.repeat)
            if isinstance(result, str):
                print(f"{tool:26} {rows:>12,} failed: {result[:80]}")
                continue
            results[(tool, rows)] = result
            print(
                f"{tool:26} {rows:>12,} {result['wall']:>8.2f} {result['cpu']:>8.2f} {result['rss_mb']:>12.0f}",
                flush=True,
            )
    print_ratios(results)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
