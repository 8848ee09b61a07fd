"""Open what a user names (a file, a folder, a Delta table, or a table in a database) as an engine + table name.

Local files go through DuckDB's own scanners (they stream and push projections down, which is what
makes a one-pass profile cheap); Delta tables arrive as Arrow datasets from delta-rs; a `--db` URL
opens a DuckDB database file or a PostgreSQL connection and profiles a table in it.
"""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from lakerun.engines.sql import SqlEngine

VIEW_NAME = "profiled"
_SCANNERS = {
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
    ".csv": "read_csv_auto",
    ".tsv": "read_csv_auto",
    ".txt": "read_csv_auto",
    ".json": "read_json_auto",
    ".jsonl": "read_json_auto",
    ".ndjson": "read_json_auto",
}


class SourceNotFoundError(ValueError):
    """The path or table does not exist or is not a readable format."""


def open_source(target: str, database: str | None = None) -> tuple[SqlEngine, str]:
    """An engine holding `target` and the name to profile it by."""
    if database:
        return _open_database(database), target
    from lakerun.engines.duckdb_engine import DuckDBEngine

    path = Path(target)
    if not path.exists():
        raise SourceNotFoundError(
            f"{target}: no such file or folder (use --db URL to profile a table in a database)"
        )
    engine = DuckDBEngine()
    if (path / "_delta_log").is_dir():
        from deltalake import DeltaTable

        engine.register(VIEW_NAME, DeltaTable(str(path)).to_pyarrow_dataset())
        return engine, VIEW_NAME
    engine.query(f"CREATE VIEW {VIEW_NAME} AS SELECT * FROM {_scan(path)}")
    return engine, VIEW_NAME


def _scan(path: Path) -> str:
    """The DuckDB table function reading a file, or every data file of a folder (hive partitions kept)."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix.lower() in _SCANNERS)
    if not files:
        raise SourceNotFoundError(f"{path}: no parquet, csv or json files found")
    suffix = files[0].suffix.lower()
    scanner = _SCANNERS.get(suffix)
    if scanner is None:
        raise SourceNotFoundError(
            f"{path}: unsupported format {suffix or '(no extension)'}; expected one of {', '.join(_SCANNERS)}"
        )
    pattern = str(path) if path.is_file() else str(path / "**" / f"*{suffix}")
    hive = ", hive_partitioning = true" if path.is_dir() else ""
    return f"{scanner}({exp.Literal.string(pattern).sql('duckdb')}{hive})"


def _open_database(url: str) -> SqlEngine:
    """A DuckDB file (`duckdb:///path.db`) or PostgreSQL (`postgresql://...`)."""
    if url.startswith("duckdb://"):
        from lakerun.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(url.removeprefix("duckdb://").removeprefix("/") or ":memory:")
    if url.startswith(("postgresql://", "postgres://")):
        from lakerun.engines.dbapi_engine import DbApiEngine

        return DbApiEngine.postgres(url)
    raise SourceNotFoundError(
        f"unsupported database URL {url.split(':', 1)[0]}:..., expected duckdb:///file.db or postgresql://..."
    )


def open_group_source(target: str | None, database: str | None = None) -> SqlEngine:
    """An engine whose catalog lists the tables of a group: a database, or one view per child of a folder."""
    if database:
        return _open_database(database)
    from lakerun.engines.duckdb_engine import DuckDBEngine

    folder = Path(target or ".")
    if not folder.is_dir():
        raise SourceNotFoundError(f"{folder}: not a folder (use --db URL to profile a database's tables)")
    engine = DuckDBEngine()
    for child in sorted(folder.iterdir()):
        if child.name.startswith((".", "_")) or (child.is_file() and child.suffix.lower() not in _SCANNERS):
            continue
        view = exp.to_identifier(child.stem if child.is_file() else child.name, quoted=True).sql("duckdb")
        if (child / "_delta_log").is_dir():
            from deltalake import DeltaTable

            hidden = f"__delta_{len(child.name)}_{abs(hash(child.name))}"
            engine.register(hidden, DeltaTable(str(child)).to_pyarrow_dataset())
            engine.query(f"CREATE VIEW {view} AS SELECT * FROM {hidden}")
            continue
        engine.query(f"CREATE VIEW {view} AS SELECT * FROM {_scan(child)}")
    return engine
