"""Open what a user names (a file, a folder, a Delta table, or a table in a database) as an engine and tables.

Files of every kind go through the one file-source layer (`lakerun.engines.datasets`): it lists the
location, recognises its datasets (a Delta table at any depth, hive partitions, one `Format`
vocabulary) and registers them in DuckDB with the same types the executor reads. A location holding
several datasets is refused with their names unless each is asked to be its own table; a dataset with
no bytes at all is reported as an empty table, never given an invented column. A `--db` URL opens a
DuckDB database file or a PostgreSQL connection and profiles a table in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lakerun.engines.datasets import LocationError, is_empty, locate, register_duckdb, table_name
from lakerun.engines.readers import ReadError
from lakerun.engines.sql import SqlEngine
from lakerun.errors import InvalidInputError

VIEW_NAME = "profiled"
EACH_HINT = ", or pass --each to profile each as its own table"


class SourceNotFoundError(InvalidInputError):
    """The path or table does not exist, is not a readable format, or is ambiguous."""


@dataclass
class OpenedSource:
    """An engine holding the tables to profile, plus datasets that hold nothing at all."""

    engine: SqlEngine
    tables: list[str]
    empty: list[str] = field(default_factory=list)
    """Datasets of zero-byte files: no header and no rows, profiled as empty tables."""


def open_source(target: str, database: str | None = None, *, each: bool = False) -> OpenedSource:
    """The dataset `target` names (or, with `each`, every dataset under it) registered in an engine."""
    if database:
        return OpenedSource(_open_database(database), [target])
    from lakerun.engines.duckdb_engine import DuckDBEngine

    try:
        located = locate(target)
        datasets = located.datasets if each else [located.single(EACH_HINT)]
        if not datasets:
            located.single()
    except LocationError as exc:
        raise SourceNotFoundError(str(exc)) from exc
    engine = DuckDBEngine()
    opened = OpenedSource(engine, [])
    for dataset in datasets:
        name = table_name(dataset) if each else VIEW_NAME
        if is_empty(dataset):
            opened.empty.append(name)
            continue
        try:
            register_duckdb(engine, name, located.source, dataset)
        except ReadError as exc:
            raise SourceNotFoundError(f"{dataset.path}: {exc}") from exc
        opened.tables.append(name)
    return opened


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
    """An engine whose catalog lists the tables of a group: a database, or every dataset under a folder."""
    if database:
        return _open_database(database)
    opened = open_source(target or ".", each=True)
    return opened.engine
