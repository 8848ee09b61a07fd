"""Benchmark: `metadata_extraction` over 10,000 small files and over one 10M-row parquet file.

Prints wall time and peak memory (max RSS of the process) for lakerun's executor, side by side with
a baseline measured in the same run: reading every file whole (pandas for CSV, pyarrow for parquet)
to learn its schema and row count, which is what seed 000's code did with its samples.

    .venv/bin/python bench/metadata_extraction.py [--files 10000] [--rows 10000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = r"""
import sys, pathlib
import pandas as pd
import pyarrow.parquet as pq
rows = cols = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*")):
    if path.suffix == ".csv":
        frame = pd.read_csv(path)
        rows += len(frame); cols += frame.shape[1]
    elif path.suffix == ".parquet":
        table = pq.read_table(path)
        rows += table.num_rows; cols += table.num_columns
print(rows, cols)
"""


def make_small_files(root: Path, count: int) -> None:
    """`count` small CSV files spread over 100 folders."""
    for index in range(count):
        folder = root / f"group_{index % 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = ["id,name,amount,day"] + [
            f"{index * 10 + r},n{r},{r * 1.5},2024-01-{r + 1:02d}" for r in range(10)
        ]
        (folder / f"file_{index:05d}.csv").write_text("\n".join(lines) + "\n")


def make_big_parquet(path: Path, rows: int) -> None:
    """One parquet file of `rows` rows and five columns, written in chunks."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("value", pa.float64()),
            ("code", pa.string()),
            ("flag", pa.bool_()),
            ("n", pa.int32()),
        ]
    )
    chunk = 1_000_000
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            size = min(chunk, rows - start)
            ids = np.arange(start, start + size)
            codes = pa.array(np.char.add("c", (ids % 1000).astype(str)))
            writer.write_table(
                pa.table(
                    [
                        ids,
                        np.random.default_rng(start).random(size),
                        codes,
                        ids % 2 == 0,
                        (ids % 97).astype("int32"),
                    ],
                    schema=schema,
                )
            )


def measure(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one child process.

    Inputs are generated in another process, so this one stays small and a forked child's peak is its own.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def executor_command(source: Path, db: Path) -> list[str]:
    """The executor's metadata extraction through its console script."""
    script = Path(sys.executable).with_name("lakerun-executor")
    return [str(script), "metadata_extraction", str(source), "auto", "bench", "--metadata-db", str(db)]


def main() -> None:
    """Build the inputs, run both sides on each, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, help="build inputs here and keep them")
    parser.add_argument("--generate-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        make_small_files(args.generate_only / "small", args.files)
        make_big_parquet(args.generate_only / "big" / "data.parquet", args.rows)
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="lakerun-bench-"))
    small, big = root / "small", root / "big"
    if not small.exists() or not big.exists():
        generate = [
            sys.executable,
            __file__,
            "--files",
            str(args.files),
            "--rows",
            str(args.rows),
            "--generate-only",
            str(root),
        ]
        subprocess.run(generate, check=True)
    print(
        f"inputs under {root}: {args.files} small CSV files; one parquet of {args.rows:,} rows "
        f"({(big / 'data.parquet').stat().st_size / 1e6:.0f} MB)"
    )
    print(f"{'workload':<34}{'lakerun wall s':>16}{'peak MB':>10}{'baseline wall s':>18}{'peak MB':>10}")
    for label, source in ((f"{args.files} small files", small), (f"parquet, {args.rows:,} rows", big)):
        db = root / f"meta-{source.name}.duckdb"
        db.unlink(missing_ok=True)
        ours = measure(executor_command(source, db), root)
        base = measure([sys.executable, "-c", BASELINE, str(source)], root)
        flag = "" if ours[2] == 0 and base[2] == 0 else f"  (exit codes {ours[2]}/{base[2]})"
        print(f"{label:<34}{ours[0]:>16.2f}{ours[1]:>10.0f}{base[0]:>18.2f}{base[1]:>10.0f}{flag}")
    print(f"(this process: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
