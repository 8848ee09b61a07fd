"""Benchmark: peak memory of reading a PostgreSQL table into the pipeline's DuckDB engine, streamed vs whole.

Creates `bench_orders_<rows>` in the local PostgreSQL (127.0.0.1:5432, database `test`, trust auth),
then, each in its own process, loads it into DuckDB the way a `type: database` input is read (batches
from a server-side cursor, `engines/database_source.py`) and the way it used to be (every row fetched
at once, then handed to DuckDB as one Arrow table). Prints wall time and the peak resident memory of
each process. Never fails on time.

    .venv/bin/python bench/database_source.py [--rows 200000,1000000] [--user postgres]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from lakerun.engines import database_source
from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.engines.sql import load
how, url, table = sys.argv[1:4]
query = database_source.DatabaseQuery(table=table, watermark="updated_at")
engine = DuckDBEngine()
started = time.perf_counter()
if how == "streamed":
    stream = database_source.read_rows(url, query)
    load(engine, "src", stream.reader())
    high = stream.high_watermark()
else:
    rows = database_source._query(url, query.rows_sql())
    engine.register("src", rows)
    high = str(max(rows.column("updated_at").to_pylist()))
count = engine.query("SELECT count(*) AS n FROM src").column("n")[0].as_py()
print(json.dumps({"wall": time.perf_counter() - started, "rows": count, "high": high,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def create_table(user: str, rows: int) -> str:
    """A table of `rows` orders (id, customer, amount, note, updated_at), made once per size."""
    import psycopg

    name = f"bench_orders_{rows}"
    with psycopg.connect(f"host=127.0.0.1 port=5432 dbname=test user={user}", autocommit=True) as connection:
        exists = connection.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
        if exists and exists[0]:
            return name
        connection.execute(
            f"CREATE TABLE {name} (id bigint PRIMARY KEY, customer text, amount numeric(12,2), "
            "note text, updated_at timestamp NOT NULL)"
        )
        connection.execute(
            f"INSERT INTO {name} SELECT g, 'customer-' || (g % 5000), (g % 100000) / 100.0, "
            "repeat('x', 40), timestamp '2024-01-01' + g * interval '1 second' "
            f"FROM generate_series(1, {rows}) g"
        )
    return name


def measure(how: str, url: str, table: str) -> dict[str, float]:
    """One read in a fresh process: its wall time, rows and peak memory."""
    env = {"PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, how, url, table], capture_output=True, text=True, check=True, env=env
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="200000,1000000", help="comma-separated table sizes")
    parser.add_argument("--user", default="postgres")
    args = parser.parse_args()
    url = f"postgresql://{args.user}@127.0.0.1:5432/test"
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"{load}\n{'read':28} {'rows':>10} {'wall s':>8} {'peak MB':>8}")
    for rows in [int(r) for r in args.rows.split(",")]:
        table = create_table(args.user, rows)
        for how in ("streamed", "whole"):
            result = measure(how, url, table)
            label = "streamed batches (lakerun)" if how == "streamed" else "fetched whole"
            print(f"{label:28} {int(result['rows']):>10,} {result['wall']:>8.2f} {result['peak_mb']:>8.0f}")
    print(f"(ru_maxrss of each process; {resource.getpagesize()} B pages; {time.strftime('%H:%M:%S')})")


if __name__ == "__main__":
    main()
