"""Record processors: ConvertRecord, QueryRecord, UpdateRecord, SplitRecord, MergeContent, ConvertJSONToSQL ...

Rows of a DataFrame are NiFi's records; readers and writers only change how content is serialized.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lakerun.convert.catalogue.entry import Entry, pass_through
from lakerun.convert.errors import ExpressionError
from lakerun.convert.formats import writer_format
from lakerun.convert.steps import Context, Step

_QUERY_STATIC = {
    "Record Reader",
    "Record Writer",
    "record-reader",
    "record-writer",
    "Include Zero Record FlowFiles",
    "include-zero-record-flowfiles",
    "cache-schema",
    "dbf-default-precision",
    "dbf-default-scale",
}
_UPDATE_STATIC = {
    "Record Reader",
    "Record Writer",
    "record-reader",
    "record-writer",
    "Replacement Value Strategy",
    "replacement-value-strategy",
}
_SIMPLE_PATH = re.compile(r"^/[A-Za-z_][A-Za-z0-9_]*$")


def _with_writer(ctx: Context, step: Step) -> Step:
    """Output streams take the serialization of the processor's record writer."""
    found = writer_format(ctx.service("Record Writer") or ctx.service("record-writer"))
    if found is not None:
        step.outputs = {
            rel: replace(s, fmt=found[0], options=found[1], shape="records")
            for rel, s in step.outputs.items()
        }
    return step


def convert_record(ctx: Context) -> Step:
    """ConvertRecord: the rows stay, the writer changes the format they are written in."""
    ctx.service("Record Reader")
    return _with_writer(
        ctx, pass_through(ctx, "ConvertRecord: rows already parsed; the writer sets the output format")
    )


def query_record(ctx: Context) -> Step:
    """QueryRecord: each query property becomes `spark.sql` over a view of the input; its name the relationship."""
    source = ctx.require_input()
    ctx.service("Record Reader")
    queries = ctx.dynamic_properties(_QUERY_STATIC)
    if not queries:
        raise ExpressionError("QueryRecord has no query property")
    view = f"flowfile_{ctx.slug}"
    lines = [f"{source.var}.createOrReplaceTempView({view!r})"]
    outputs = {"original": source}
    for relationship, sql in queries.items():
        if "${" in sql:
            raise ExpressionError(f"query {relationship!r} uses flowfile attributes in its SQL")
        rewritten = re.sub(r"\bFLOWFILE\b", view, sql, flags=re.IGNORECASE)
        var = ctx.var(relationship)
        lines.append(f"{var} = spark.sql({rewritten!r})")
        outputs[relationship] = replace(
            source, var=var, attributes=tuple(a for a in source.attributes if a in sql or "*" in sql)
        )
    return _with_writer(ctx, Step("\n".join(lines), outputs))


def update_record(ctx: Context) -> Step:
    """UpdateRecord: `/field` record paths set with literal values (Expression Language) or other fields."""
    source = ctx.require_input()
    strategy = (
        ctx.prop("Replacement Value Strategy") or ctx.prop("replacement-value-strategy") or "literal-value"
    )
    lines = [f"{ctx.var()} = {source.var}"]
    for path, value in ctx.dynamic_properties(_UPDATE_STATIC).items():
        if not _SIMPLE_PATH.match(path):
            raise ExpressionError(f"record path {path!r} is not a top-level field (/name)")
        field = path[1:]
        if strategy == "record-path-value":
            if not _SIMPLE_PATH.match(value):
                raise ExpressionError(f"record path value {value!r} is not a top-level field")
            column = f"F.col({value[1:]!r})"
        else:
            column = ctx.el(value.replace("${field.value}", f"${{{field}}}"))
        lines.append(f"{ctx.var()} = {ctx.var()}.withColumn({field!r}, {column})")
    return _with_writer(ctx, Step("\n".join(lines), {"*": replace(source, var=ctx.var())}))


def split_or_merge(ctx: Context) -> Step:
    """SplitRecord, SplitContent, MergeContent, MergeRecord: a DataFrame is already the whole set of rows."""
    step = pass_through(
        ctx, f"{ctx.processor.kind}: flowfile batching has no equivalent; the DataFrame holds every row"
    )
    return _with_writer(ctx, step) if ctx.prop("Record Writer") else step


def validate_record(ctx: Context) -> Step:
    """ValidateRecord: rows that parsed are valid; a schema check belongs to the reader's schema."""
    source = ctx.require_input()
    code = f"{ctx.var()} = {source.var}\n{ctx.var('invalid')} = {source.var}.limit(0)"
    return Step(
        code,
        {"valid": source, "invalid": replace(source, var=ctx.var("invalid"))},
        notes=["invalid rows: enforce a schema on the reader (mode FAILFAST/DROPMALFORMED)"],
    )


def convert_json_to_sql(ctx: Context) -> Step:
    """ConvertJSONToSQL: the table and statement type are carried to the PutSQL that follows."""
    source = ctx.require_input()
    table = ctx.prop("Table Name", "") or ""
    statement = ctx.prop("Statement Type", "INSERT") or "INSERT"
    stream = replace(source, var=ctx.var(), hints=(*source.hints, ("table", table), ("statement", statement)))
    code = f"# ConvertJSONToSQL: {statement} into {table}; PutSQL writes the rows through JDBC\n{ctx.var()} = {source.var}"
    return Step(code, {"sql": stream, "original": source, "*": stream})


FAMILY = "records"
ENTRIES = {
    "ConvertRecord": Entry(FAMILY, "no-op on rows; the writer sets the sink format", convert_record),
    "QueryRecord": Entry(FAMILY, "`spark.sql` per query property over a temp view", query_record),
    "UpdateRecord": Entry(FAMILY, "`withColumn` per record path", update_record),
    "SplitRecord": Entry(FAMILY, "dropped: rows are already records", split_or_merge),
    "SplitContent": Entry(FAMILY, "dropped: rows are already split", split_or_merge),
    "MergeContent": Entry(FAMILY, "dropped: a DataFrame is already merged", split_or_merge),
    "MergeRecord": Entry(FAMILY, "dropped: a DataFrame is already merged", split_or_merge),
    "ValidateRecord": Entry(
        FAMILY, "valid = parsed rows; invalid = empty (reader schema enforces)", validate_record
    ),
    "ConvertJSONToSQL": Entry(FAMILY, "table/statement carried to PutSQL's JDBC write", convert_json_to_sql),
}
