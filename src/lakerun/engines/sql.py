"""The SQL engine port: workload code builds sqlglot expressions, an adapter renders and runs them.

Each adapter declares its dialect and its differences as flags (sqlmesh's engine-adapter idea), so
profiling and pipeline code never branch on the engine's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlglot import exp

from lakerun.errors import LakerunError

if TYPE_CHECKING:
    import pyarrow as pa


class EngineError(LakerunError):
    """A query failed inside the engine; `transient` says whether retrying may help."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@runtime_checkable
class SqlEngine(Protocol):
    """What the workload side needs from a SQL engine."""

    dialect: str
    """sqlglot dialect name used to render expressions (`duckdb`, `spark`, `postgres`, ...)."""

    def register(self, name: str, data: Any) -> None:
        """Expose an Arrow table / dataset (or an engine-native frame) as a view called `name`."""

    def query(self, statement: exp.Expression | str) -> pa.Table:
        """Run one statement (rendered in this engine's dialect) and return its rows as Arrow."""

    def close(self) -> None:
        """Release the engine's resources."""


def render(statement: exp.Expression | str, dialect: str) -> str:
    """SQL text for one dialect; strings are taken as already written in that dialect."""
    if isinstance(statement, str):
        return statement
    return statement.sql(dialect=dialect)


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do, declared per adapter so SQL builders never branch on its name."""

    approx_distinct: bool = True
    """The engine has an approximate distinct count (HLL); when false distinct counts are exact."""

    refine_distinct: bool = False
    """The engine's distinct estimate is too coarse to report (DuckDB): numbers, dates and booleans get an
    exact or hash-sampled count in one more query (see quality/distinct.py)."""

    approx_quantile: bool = True
    """The engine has `approx_quantile`/`percentile_approx`; when false quantiles use `percentile_cont`."""

    columns_per_scan: int = 0
    """How many columns' aggregates to put in one query (0 = all in one wide query)."""

    text_by_value: bool = False
    """Grouping is cheap here: compute text metrics over distinct values weighted by their counts."""

    quantile_function: str = ""
    """An engine-specific `f(x, [quantiles])` preferred over approx_quantile (e.g. DuckDB `reservoir_quantile`)."""

    row_hash: str = ""
    """A 64-bit, order-sensitive, NULL-aware row hash function (e.g. DuckDB `hash`) for duplicate-row counts."""

    quantile_sample_rows: int = 0
    """Quantiles come from one Bernoulli sample of about this many rows shared by every numeric column,
    exact over the sample (DuckDB: its reservoir_quantile keeps the first rows of ordered data, and exact
    quantiles over the whole table cost a sort per column); 0 computes them in the aggregate scan."""

    byte_length: str = ""
    """A string's length in bytes (DuckDB `strlen`, `octet_length` elsewhere): values whose byte and character
    lengths agree are ASCII, so the non-printing-character regex is skipped for them."""


DEFAULT_CAPABILITIES = Capabilities()


def capabilities_of(engine: object) -> Capabilities:
    """The engine's declared capabilities, or the defaults when it declares none."""
    declared = getattr(engine, "capabilities", None)
    return declared if isinstance(declared, Capabilities) else DEFAULT_CAPABILITIES


def sql_text(statement: exp.Expr | str, dialect: str) -> str:
    """SQL text of any sqlglot node (queries included) for one dialect; strings pass through."""
    return statement if isinstance(statement, str) else statement.sql(dialect=dialect)


def stream(engine: SqlEngine, statement: exp.Expr | str) -> pa.RecordBatchReader:
    """A statement's rows as a stream of batches when the engine can (a `stream` method), else fetched whole."""
    sql = sql_text(statement, engine.dialect)
    streamer = getattr(engine, "stream", None)
    if callable(streamer):
        reader: pa.RecordBatchReader = streamer(sql)
        return reader
    return engine.query(sql).to_reader()


def register_once(engine: SqlEngine, name: str, table: pa.Table) -> None:
    """Expose `table` as the view `name` to the next statement only, the cheapest way the engine can.

    An engine with a `register_once` method reads the rows once without extra machinery (DuckDB takes the
    table's Arrow C stream, where a registered table is scanned through `pyarrow.dataset`, whose import
    pulls in pandas); any other engine registers the table as usual.
    """
    once = getattr(engine, "register_once", None)
    if callable(once):
        once(name, table)
    else:
        engine.register(name, table)


def materialize(engine: SqlEngine, name: str, statement: exp.Expr | str) -> None:
    """Compute a statement once and expose its rows as the view `name` (engine-native when it can)."""
    sql = sql_text(statement, engine.dialect)
    materializer = getattr(engine, "materialize", None)
    if callable(materializer):
        materializer(name, sql)
    else:
        engine.register(name, engine.query(sql))


def load(engine: SqlEngine, name: str, batches: pa.RecordBatchReader) -> None:
    """Consume a stream of Arrow batches into the engine's own table `name`, batch by batch when the engine
    can (a `load` method), else whole."""
    loader = getattr(engine, "load", None)
    if callable(loader):
        loader(name, batches)
    else:
        engine.register(name, batches.read_all())
