"""Statements that change or show the catalog: CREATE/DROP CATALOG, SCHEMA and TABLE, ALTER TABLE ADD
COLUMNS, TRUNCATE, DESCRIBE and SHOW."""

from __future__ import annotations

import re

import pyarrow as pa
from sqlglot import exp

from lakerun.local.sql import tables
from lakerun.local.sql.errors import SqlError
from lakerun.local.sql.names import ObjectName
from lakerun.local.sql.session import Session, render
from lakerun.local.sql.values import type_text

EMPTY = pa.table({})
CATALOG_COMMAND = re.compile(
    r"^\s*(CREATE|DROP)\s+CATALOG\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?`?([\w\-]+)`?(\s+CASCADE)?\s*;?\s*$", re.I
)
VOLUME_COMMAND = re.compile(
    r"^\s*(CREATE|DROP)\s+(?:MANAGED\s+)?VOLUME\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?([\w.`\-]+)\s*;?\s*$", re.I
)
SHOW_COMMAND = re.compile(
    r"^\s*SHOW\s+(TABLES|SCHEMAS|DATABASES|CATALOGS)(?:\s+(?:IN|FROM)\s+([\w.`\-]+))?\s*;?\s*$", re.I
)


def create(session: Session, statement: exp.Create) -> pa.Table:
    """CREATE SCHEMA / DATABASE / TABLE (with columns or AS SELECT)."""
    kind = str(statement.args.get("kind") or "").upper()
    if kind in ("SCHEMA", "DATABASE"):
        parts = _parts(statement.this)
        catalog = parts[0] if len(parts) > 1 else session.default_catalog
        session.catalog.create_schema(catalog, parts[-1], if_not_exists=bool(statement.args.get("exists")))
        return EMPTY
    if kind != "TABLE":
        raise SqlError(
            "UNSUPPORTED_FEATURE", f"CREATE {kind} is not supported by the local warehouse.", "0A000"
        )
    target = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
    name = session.name_of(target)
    session.catalog.require_schema(name.catalog, name.schema)
    exists = session.catalog.has_table(name)
    replace = bool(statement.args.get("replace"))
    if exists and statement.args.get("exists"):
        return EMPTY
    if exists and not replace:
        raise SqlError(
            "TABLE_OR_VIEW_ALREADY_EXISTS",
            f"Cannot create table or view {name.quoted} because it already exists.",
            "42P07",
        )
    query = statement.expression
    rows = session.query(query) if isinstance(query, exp.Query) else _empty_rows(session, statement.this)
    path = session.catalog.layout.table(name)
    tables.write(path, rows, "overwrite" if exists else "error", _partitions(statement), new_schema=exists)
    return EMPTY


def drop(session: Session, statement: exp.Drop) -> pa.Table:
    """DROP TABLE / SCHEMA / DATABASE."""
    kind = str(statement.args.get("kind") or "").upper()
    if_exists = bool(statement.args.get("exists"))
    for target in statement.expressions or [statement.this]:
        if kind == "TABLE":
            session.catalog.drop_table(session.name_of(target), if_exists=if_exists)
        elif kind in ("SCHEMA", "DATABASE"):
            parts = _parts(target)
            catalog = parts[0] if len(parts) > 1 else session.default_catalog
            session.catalog.drop_schema(catalog, parts[-1], bool(statement.args.get("cascade")), if_exists)
        else:
            raise SqlError(
                "UNSUPPORTED_FEATURE", f"DROP {kind} is not supported by the local warehouse.", "0A000"
            )
    return EMPTY


def alter(session: Session, statement: exp.Alter) -> pa.Table:
    """ALTER TABLE ... ADD COLUMN(S): new nullable columns, existing rows get NULL."""
    name = session.name_of(statement.this)
    path = session.catalog.table_path(name)
    definitions: list[exp.ColumnDef] = []
    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            definitions.append(action)
        elif isinstance(action, exp.Schema) and all(isinstance(e, exp.ColumnDef) for e in action.expressions):
            definitions.extend(action.expressions)
        else:
            raise SqlError(
                "UNSUPPORTED_FEATURE", "Only ALTER TABLE ... ADD COLUMNS is supported locally.", "0A000"
            )
    added = _arrow_schema(session, definitions)
    current = tables.schema_of(path)
    clash = [f.name for f in added if current.get_field_index(f.name) >= 0]
    if clash:
        raise SqlError(
            "FIELDS_ALREADY_EXISTS", f"Cannot add column(s) {', '.join(clash)}: they already exist.", "42711"
        )
    schema = pa.schema([*current, *(f.with_nullable(True) for f in added)])
    tables.write(path, tables.conform(tables.rows_of(path), schema), "overwrite", new_schema=True)
    return EMPTY


def truncate(session: Session, statement: exp.TruncateTable) -> pa.Table:
    """TRUNCATE TABLE: the table keeps its schema and loses its rows."""
    for target in statement.expressions:
        path = session.catalog.table_path(session.name_of(target))
        tables.write(path, tables.schema_of(path).empty_table(), "overwrite")
    return EMPTY


def describe(session: Session, statement: exp.Describe) -> pa.Table:
    """DESCRIBE [TABLE] name: one row per column (`col_name`, `data_type`, `comment`)."""
    schema = tables.schema_of(session.catalog.table_path(session.name_of(statement.this)))
    return pa.table(
        {
            "col_name": [f.name for f in schema],
            "data_type": [type_text(f.type).lower() for f in schema],
            "comment": pa.nulls(len(schema), pa.string()),
        }
    )


def command(session: Session, text: str) -> pa.Table:
    """The statements sqlglot keeps as plain commands: CREATE/DROP CATALOG and SHOW."""
    catalog_match = CATALOG_COMMAND.match(text)
    if catalog_match:
        verb, condition, name, cascade = catalog_match.groups()
        if verb.upper() == "CREATE":
            session.catalog.create_catalog(name, if_not_exists=bool(condition))
        else:
            session.catalog.drop_catalog(name, cascade=bool(cascade), if_exists=bool(condition))
        return EMPTY
    volume_match = VOLUME_COMMAND.match(text)
    if volume_match:
        _volume(session, *volume_match.groups())
        return EMPTY
    show = SHOW_COMMAND.match(text)
    if show:
        return _show(session, show.group(1).upper(), (show.group(2) or "").replace("`", ""))
    raise SqlError(
        "UNSUPPORTED_FEATURE", f"The statement is not supported by the local warehouse: {text[:80]}", "0A000"
    )


def _volume(session: Session, verb: str, condition: str | None, dotted: str) -> None:
    """CREATE / DROP VOLUME [IF [NOT] EXISTS] [[catalog.]schema.]volume."""
    parts = dotted.replace("`", "").split(".")
    if len(parts) > 3:
        raise SqlError("INVALID_IDENTIFIER", f"{dotted!r} is not a volume name.", "42602")
    defaults = [session.default_catalog, session.default_schema]
    catalog, schema = (defaults[: 3 - len(parts)] + parts)[:2]
    name = ObjectName.of(catalog, schema, parts[-1])
    exists = session.catalog.layout.volume(name).is_dir()
    if verb.upper() == "CREATE" and not (exists and condition):
        session.catalog.create_volume(name)
    elif verb.upper() == "DROP" and (exists or not condition):
        session.catalog.drop_volume(name)


def _show(session: Session, what: str, where: str) -> pa.Table:
    if what == "CATALOGS":
        return pa.table({"catalog": session.catalog.catalogs()})
    parts = [p for p in where.split(".") if p]
    if what in ("SCHEMAS", "DATABASES"):
        return pa.table(
            {"databaseName": session.catalog.schemas(parts[0] if parts else session.default_catalog)}
        )
    catalog, schema = (
        (parts[0], parts[1])
        if len(parts) == 2
        else (session.default_catalog, parts[0] if parts else session.default_schema)
    )
    names = session.catalog.tables(catalog, schema)
    return pa.table(
        {"database": [schema.lower()] * len(names), "tableName": names, "isTemporary": [False] * len(names)}
    )


def _parts(node: exp.Expr) -> list[str]:
    if isinstance(node, exp.Table):
        return [part.name for part in node.parts]
    return [node.name]


def _partitions(statement: exp.Create) -> list[str]:
    properties = statement.args.get("properties")
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.PartitionedByProperty):
            columns = prop.this.expressions if isinstance(prop.this, exp.Schema | exp.Tuple) else [prop.this]
            return [column.name for column in columns]
    return []


def _empty_rows(session: Session, schema: exp.Expr) -> pa.Table:
    if not isinstance(schema, exp.Schema):
        raise SqlError("PARSE_SYNTAX_ERROR", "CREATE TABLE needs column definitions or AS SELECT.", "42601")
    return _arrow_schema(
        session, [e for e in schema.expressions if isinstance(e, exp.ColumnDef)]
    ).empty_table()


def _arrow_schema(session: Session, definitions: list[exp.ColumnDef]) -> pa.Schema:
    """The Arrow schema of column definitions, as DuckDB types them; NOT NULL kept."""
    if not definitions:
        raise SqlError("PARSE_SYNTAX_ERROR", "No column definitions were given.", "42601")
    bare = [exp.ColumnDef(this=d.this.copy(), kind=d.args["kind"].copy()) for d in definitions]
    probe = exp.Create(kind="TABLE", this=exp.Schema(this=exp.to_table("__columns"), expressions=bare))
    session.connection.execute(render(probe))
    schema = session.connection.execute("SELECT * FROM __columns LIMIT 0").fetch_arrow_table().schema
    session.connection.execute("DROP TABLE __columns")
    required = {
        d.name
        for d in definitions
        if any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in d.constraints)
        or any(isinstance(c.kind, exp.PrimaryKeyColumnConstraint) for c in d.constraints)
    }
    return pa.schema([f.with_nullable(f.name not in required) for f in schema])
