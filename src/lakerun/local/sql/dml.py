"""Statements that change rows: INSERT [OVERWRITE], UPDATE, DELETE and MERGE INTO.

DuckDB runs the statement itself on a copy of the target table (so every Databricks form it can
express works, with DuckDB's row counts), then the table's new rows are written back through
delta-rs: appended for INSERT, as a new version for the others.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
from sqlglot import exp

from lakerun.local.sql import tables
from lakerun.local.sql.session import Session, rename

TARGET = "__target"


def insert(session: Session, statement: exp.Insert) -> pa.Table:
    """INSERT INTO (appends) or INSERT OVERWRITE (replaces), with or without a column list."""
    target = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
    path = session.catalog.table_path(session.name_of(target))
    schema = tables.schema_of(path)
    session.register_sources(statement, skip=target)
    session.connection.register("__empty", schema.empty_table())
    session.connection.execute(f'CREATE TABLE "{TARGET}" AS SELECT * FROM __empty')
    rename(target, TARGET, alias=None)
    overwrite = bool(statement.args.get("overwrite"))
    statement.set("overwrite", False)
    count = _count(session.run(statement))
    rows = session.connection.execute(f'SELECT * FROM "{TARGET}"').fetch_arrow_table()
    tables.write(path, tables.conform(rows, schema), "overwrite" if overwrite else "append")
    return pa.table({"num_affected_rows": [count], "num_inserted_rows": [count]})


def change(session: Session, statement: exp.Update | exp.Delete | exp.Merge) -> pa.Table:
    """UPDATE, DELETE or MERGE INTO: run on a copy of the table, then the copy becomes its new version."""
    target = statement.this
    name = session.name_of(target)
    path = session.catalog.table_path(name)
    schema = tables.schema_of(path)
    session.register_sources(statement, skip=target)
    session.connection.register("__current", tables.rows_of(path))
    session.connection.execute(f'CREATE TABLE "{name.name}" AS SELECT * FROM __current')
    session.connection.unregister("__current")
    rename(target, name.name, alias=None)
    _unqualify_set_targets(statement)
    if isinstance(statement, exp.Merge):
        statement.set("returning", exp.Returning(expressions=[exp.column("merge_action")]))
        actions = Counter(str(action).upper() for action in session.run(statement).column(0).to_pylist())
        counts = {
            "num_affected_rows": sum(actions.values()),
            "num_updated_rows": actions["UPDATE"],
            "num_deleted_rows": actions["DELETE"],
            "num_inserted_rows": actions["INSERT"],
        }
    else:
        counts = {"num_affected_rows": _count(session.run(statement))}
    rows = session.connection.execute(f'SELECT * FROM "{name.name}"').fetch_arrow_table()
    tables.write(path, tables.conform(rows, schema), "overwrite")
    return pa.table({key: pa.array([value], pa.int64()) for key, value in counts.items()})


def _count(result: pa.Table) -> int:
    return int(result.column(0)[0].as_py()) if result.num_rows and result.num_columns else 0


def _unqualify_set_targets(statement: exp.Expr) -> None:
    """`SET t.col = ...` becomes `SET col = ...`: DuckDB takes only bare column names there."""
    for update in statement.find_all(exp.Update):
        for assignment in update.expressions:
            if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
                assignment.this.set("table", None)
