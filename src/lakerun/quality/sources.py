"""Open what a user names (a file, a folder, a Delta table, or a table in a database) as an engine + table name.

Local files go through DuckDB's own scanners (they stream and push projections down, which is what
makes a one-pass profile cheap); `dbfs:/` and `/Volumes/` paths are mapped to their local folders
first; Delta tables arrive as Arrow datasets from delta-rs. Object stores (`s3://`, `abfss://`, ...)
and Excel files are read once by the executor's dataset reader (real types, any format it knows) into
a DuckDB table that the profile's scans then share. A `--db` URL opens a DuckDB database file or a
PostgreSQL connection and profiles a table in it.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from sqlglot import exp

from lakerun.engines.formats import Format, format_of
from lakerun.engines.locations import is_remote, localize
from lakerun.engines.sql import SqlEngine

VIEW_NAME = "profiled"
_SCANNERS = {
    Format.PARQUET: "read_parquet",
    Format.CSV: "read_csv_auto",
    Format.TSV: "read_csv_auto",
    Format.JSON: "read_json_auto",
    Format.JSONL: "read_json_auto",
}
"""DuckDB's own scanner per format (file formats are recognised once, in `engines.formats`); others, such
as Excel, go through the dataset reader."""


class SourceNotFoundError(ValueError):
    """The path or table does not exist or is not a readable format."""


def open_source(target: str, database: str | None = None) -> tuple[SqlEngine, str]:
    """An engine holding `target` and the name to profile it by."""
    if database:
        return _open_database(database), target
    from lakerun.engines.duckdb_engine import DuckDBEngine

    if is_remote(target) or format_of(target) is Format.XLSX:
        return _open_with_reader(target), VIEW_NAME
    path = Path(localize(target))
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


def _open_with_reader(target: str) -> SqlEngine:
    """Read the one dataset `target` names through the dataset reader into a DuckDB table (spills when large)."""
    from lakerun.engines.duckdb_engine import DuckDBEngine
    from lakerun.engines.files import FileSource, SourceError
    from lakerun.engines.formats import Dataset, Discovery
    from lakerun.engines.readers import DatasetReader, ReadError

    try:
        source = FileSource.open_url(target)
        source.check_exists()
        found = [item for item in Discovery(source) if isinstance(item, Dataset)]
    except SourceError as exc:
        raise SourceNotFoundError(str(exc)) from exc
    if len(found) != 1:
        names = ", ".join(d.name for d in found[:5]) or "none"
        raise SourceNotFoundError(
            f"{target}: holds {len(found)} datasets ({names}); name one of them, or use `lakerun quality group`"
        )
    reader = DatasetReader(source)
    engine = DuckDBEngine()
    try:
        info = reader.inspect(found[0])
        if info.problems:
            first = info.problems[0]
            raise SourceNotFoundError(
                f"{target}: {len(info.problems)} file(s) cannot be read, e.g. {first.path}: {first.message}"
            )
        batches = pa.RecordBatchReader.from_batches(info.schema, reader.iter_batches(found[0], info))
        engine.register("__lakerun_read", batches)
        engine.query(f"CREATE TABLE {VIEW_NAME} AS SELECT * FROM __lakerun_read")
    except ReadError as exc:
        raise SourceNotFoundError(f"{target}: {exc}") from exc
    finally:
        reader.close()
    return engine


def _scanner_of(name: str) -> str | None:
    """DuckDB's scanner for a file name's format, if DuckDB reads it here."""
    found = format_of(name)
    return _SCANNERS.get(found) if found else None


def _scan(path: Path) -> str:
    """The DuckDB table function reading a file, or every data file of a folder (hive partitions kept)."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if _scanner_of(p.name))
    if not files:
        raise SourceNotFoundError(f"{path}: no parquet, csv or json files found")
    scanner = _scanner_of(files[0].name)
    if scanner is None:
        raise SourceNotFoundError(
            f"{path}: unsupported format {files[0].suffix or '(no extension)'}; "
            f"expected one of {', '.join(_SCANNERS)}"
        )
    same = [str(f) for f in files if _scanner_of(f.name) == scanner]
    listed = exp.Array(expressions=[exp.Literal.string(f) for f in same]).sql("duckdb")
    hive = ", hive_partitioning = true" if path.is_dir() else ""
    return f"{scanner}({listed}{hive})"


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
        if child.name.startswith((".", "_")) or (child.is_file() and not _scanner_of(child.name)):
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
