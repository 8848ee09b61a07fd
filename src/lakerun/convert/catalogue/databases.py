"""Database processors: ExecuteSQL, QueryDatabaseTable[Record], PutSQL, PutDatabaseRecord → Spark JDBC.

Connection options come from the DBCP controller service; the password is a `dbutils.secrets`
reference, never a literal.
"""

from __future__ import annotations

from lakerun.convert.catalogue.entry import Entry
from lakerun.convert.errors import ExpressionError
from lakerun.convert.steps import FLAGGED, Context, Step, Stream

_POOL_PROPERTY = (
    "Database Connection Pooling Service",
    "dbcp-service",
    "put-db-record-dcbp-service",
    "JDBC Connection Pool",
)


def _pool(ctx: Context) -> str:
    """Code defining the JDBC options of the processor's connection pool; returns their variable."""
    service = None
    for name in _POOL_PROPERTY:
        service = ctx.service(name)
        if service is not None:
            break
    if service is None:
        raise ExpressionError("no Database Connection Pooling Service is configured")
    props = service.properties
    url = props.get("Database Connection URL")
    if not url:
        raise ExpressionError(f"connection pool {service.name!r} has no Database Connection URL")
    options = [f'"url": {ctx.text_of(url, "Database Connection URL")}']
    if props.get("Database Driver Class Name"):
        options.append(
            f'"driver": {ctx.text_of(props["Database Driver Class Name"], "Database Driver Class Name")}'
        )
    if props.get("Database User"):
        options.append(f'"user": {ctx.text_of(props["Database User"], "Database User")}')
    options.append(f'"password": {ctx.secret(f"{service.name or service.id}-password")}')
    return "{" + ", ".join(options) + "}"


def execute_sql(ctx: Context) -> Step:
    """ExecuteSQL[Record]: the select query read through JDBC."""
    query = ctx.text("SQL select query") if ctx.prop("SQL select query") else None
    if query is None:
        raise ExpressionError(
            "ExecuteSQL without 'SQL select query' runs the incoming content: carry the SQL over by hand"
        )
    code = f'{ctx.var()} = spark.read.format("jdbc").options(**{_pool(ctx)}).option("query", {query}).load()'
    return Step(code, {"*": Stream(ctx.var())})


def query_table(ctx: Context) -> Step:
    """QueryDatabaseTable[Record]: the table (columns, where clause) read through JDBC; max-value columns noted."""
    table = ctx.text("Table Name")
    code = (
        f'{ctx.var()} = spark.read.format("jdbc").options(**{_pool(ctx)}).option("dbtable", {table}).load()'
    )
    columns = [c.strip() for c in (ctx.prop("Columns to Return", "") or "").split(",") if c.strip()]
    if columns:
        code += f"\n{ctx.var()} = {ctx.var()}.selectExpr(*{columns!r})"
    where = ctx.prop("db-fetch-where-clause", "") or ""
    if where:
        code += f"\n{ctx.var()} = {ctx.var()}.where({where!r})"
    step = Step(code, {"*": Stream(ctx.var())})
    if ctx.prop("Maximum-value Columns"):
        step.notes.append(
            f"incremental on {ctx.prop('Maximum-value Columns')}: keep the last value (e.g. in a Delta table) and filter on it"
        )
        step.status = FLAGGED
        step.reason = "the incremental watermark of QueryDatabaseTable needs a state table"
    return step


def put_database_record(ctx: Context) -> Step:
    """PutDatabaseRecord: INSERT appends through JDBC; UPDATE/UPSERT/DELETE need a MERGE by hand."""
    source = ctx.require_input()
    statement = (ctx.prop("Statement Type") or ctx.prop("put-db-record-statement-type") or "INSERT").upper()
    table = ctx.text("Table Name") if ctx.prop("Table Name") else ctx.text("put-db-record-table-name")
    code = _jdbc_write(ctx, source, table)
    if statement != "INSERT":
        return Step(
            code,
            {"*": source},
            status=FLAGGED,
            reason=f"statement type {statement} needs a MERGE (staging table + SQL) instead of an append",
        )
    return Step(code, {"*": source})


def put_sql(ctx: Context) -> Step:
    """PutSQL: rows prepared by ConvertJSONToSQL are appended through JDBC; raw SQL content needs a hand."""
    source = ctx.require_input()
    table, statement = source.hint("table"), (source.hint("statement") or "INSERT").upper()
    if not table:
        raise ExpressionError(
            "PutSQL runs SQL statements from flowfile content; only ConvertJSONToSQL input translates"
        )
    code = _jdbc_write(ctx, source, repr(table))
    if statement != "INSERT":
        return Step(
            code,
            {"*": source},
            status=FLAGGED,
            reason=f"statement type {statement} needs a MERGE instead of an append",
        )
    return Step(code, {"*": source})


def _jdbc_write(ctx: Context, source: Stream, table: str) -> str:
    return (
        f'(\n    {source.var}.drop(*{list(source.attributes)!r})\n    .write.format("jdbc")\n'
        f'    .options(**{_pool(ctx)})\n    .option("dbtable", {table})\n    .mode("append")\n    .save()\n)\n'
        f"{ctx.var()} = {source.var}"
    )


FAMILY = "databases"
ENTRIES = {
    "ExecuteSQL": Entry(FAMILY, "`spark.read.format('jdbc')` with the query", execute_sql),
    "ExecuteSQLRecord": Entry(FAMILY, "`spark.read.format('jdbc')` with the query", execute_sql),
    "QueryDatabaseTable": Entry(FAMILY, "JDBC read of the table; watermark as a human request", query_table),
    "QueryDatabaseTableRecord": Entry(
        FAMILY, "JDBC read of the table; watermark as a human request", query_table
    ),
    "PutDatabaseRecord": Entry(FAMILY, "JDBC append (MERGE flagged)", put_database_record),
    "PutSQL": Entry(FAMILY, "JDBC append of ConvertJSONToSQL rows", put_sql),
}
