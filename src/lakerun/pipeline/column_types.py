"""Column types through the plan: Arrow schemas as SQL types, and sqlglot's type inference over queries.

Types let the plan refuse what an engine would refuse later: a range check on a text column, a
watermark compared as text, a join or function the inputs cannot satisfy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

UNKNOWN = "UNKNOWN"
TEXT_TYPES = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR}
ORDERED_TYPES = exp.DataType.NUMERIC_TYPES | exp.DataType.TEMPORAL_TYPES | {exp.DataType.Type.DATE}

Schema = Mapping[str, Mapping[str, str]]
"""View name to column name to SQL type text."""


def arrow_type_sql(arrow_type: Any) -> str:
    """The SQL type of an Arrow type (UNKNOWN for nested and exotic types)."""
    import pyarrow as pa

    simple = [
        (pa.types.is_string, "TEXT"),
        (pa.types.is_large_string, "TEXT"),
        (pa.types.is_boolean, "BOOLEAN"),
        (pa.types.is_int8, "TINYINT"),
        (pa.types.is_int16, "SMALLINT"),
        (pa.types.is_int32, "INT"),
        (pa.types.is_int64, "BIGINT"),
        (pa.types.is_float32, "FLOAT"),
        (pa.types.is_float64, "DOUBLE"),
        (pa.types.is_date, "DATE"),
        (pa.types.is_timestamp, "TIMESTAMP"),
    ]
    for predicate, name in simple:
        if predicate(arrow_type):
            return name
    if pa.types.is_decimal(arrow_type):
        return f"DECIMAL({arrow_type.precision}, {arrow_type.scale})"
    return UNKNOWN


def schema_types(schema: Any) -> dict[str, str]:
    """Column name to SQL type of an Arrow schema."""
    return {field.name: arrow_type_sql(field.type) for field in schema}


def output_types(query: exp.Query, schema: Schema, dialect: str) -> dict[str, str]:
    """The type sqlglot infers for each output column of `query` (UNKNOWN where it cannot tell)."""
    try:
        qualified = qualify(query.copy(), schema=_known(schema), dialect=dialect, quote_identifiers=True)
        annotated = annotate_types(qualified, schema=_known(schema), dialect=dialect)
    except (OptimizeError, SqlglotError, KeyError, ValueError):
        return {}
    if not isinstance(annotated, exp.Query):
        return {}
    return {
        select.alias_or_name: _type_text(select.type) for select in annotated.selects if select.alias_or_name
    }


def _known(schema: Schema) -> dict[str, object]:
    return {view: dict(cols) for view, cols in schema.items()}


def _type_text(data_type: exp.DataType | None) -> str:
    if data_type is None or data_type.this in (exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL):
        return UNKNOWN
    return data_type.sql()


def parsed(type_text: str) -> exp.DataType | None:
    """The type as a sqlglot DataType, or None when unknown."""
    if not type_text or type_text == UNKNOWN:
        return None
    try:
        return exp.DataType.build(type_text)
    except (SqlglotError, ValueError):
        return None


def is_text(type_text: str) -> bool:
    """Whether a column of this type holds text."""
    data_type = parsed(type_text)
    return data_type is not None and data_type.this in TEXT_TYPES


def is_ordered_scalar(type_text: str) -> bool:
    """Whether values of this type compare as numbers or points in time (not as text)."""
    data_type = parsed(type_text)
    return data_type is not None and data_type.this in ORDERED_TYPES
