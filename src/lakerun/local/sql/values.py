"""Arrow types as Databricks SQL names them, and values as the JSON_ARRAY result format writes them."""

from __future__ import annotations

import base64
import datetime
import decimal
import json
from typing import Any

import pyarrow as pa

SIMPLE_TYPES: tuple[tuple[Any, str, str], ...] = (
    (pa.types.is_boolean, "BOOLEAN", "BOOLEAN"),
    (pa.types.is_int8, "TINYINT", "BYTE"),
    (pa.types.is_int16, "SMALLINT", "SHORT"),
    (pa.types.is_int32, "INT", "INT"),
    (pa.types.is_int64, "BIGINT", "LONG"),
    (pa.types.is_uint8, "SMALLINT", "SHORT"),
    (pa.types.is_uint16, "INT", "INT"),
    (pa.types.is_uint32, "BIGINT", "LONG"),
    (pa.types.is_uint64, "BIGINT", "LONG"),
    (pa.types.is_float16, "FLOAT", "FLOAT"),
    (pa.types.is_float32, "FLOAT", "FLOAT"),
    (pa.types.is_float64, "DOUBLE", "DOUBLE"),
    (pa.types.is_string, "STRING", "STRING"),
    (pa.types.is_large_string, "STRING", "STRING"),
    (pa.types.is_string_view, "STRING", "STRING"),
    (pa.types.is_binary, "BINARY", "BINARY"),
    (pa.types.is_large_binary, "BINARY", "BINARY"),
    (pa.types.is_date, "DATE", "DATE"),
    (pa.types.is_null, "VOID", "NULL"),
)


def type_text(arrow_type: pa.DataType) -> str:
    """The type as Databricks writes it (`STRING`, `DECIMAL(10,2)`, `ARRAY<STRING>`)."""
    for check, text, _ in SIMPLE_TYPES:
        if check(arrow_type):
            return text
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP" if arrow_type.tz else "TIMESTAMP_NTZ"
    if pa.types.is_decimal(arrow_type):
        return f"DECIMAL({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_map(arrow_type):
        return f"MAP<{type_text(arrow_type.key_type)},{type_text(arrow_type.item_type)}>"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"ARRAY<{type_text(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):
        fields = ",".join(f"{field.name}:{type_text(field.type)}" for field in arrow_type)
        return f"STRUCT<{fields}>"
    if pa.types.is_time(arrow_type):
        return "STRING"
    if pa.types.is_duration(arrow_type) or pa.types.is_interval(arrow_type):
        return "INTERVAL"
    return "STRING"


def type_name(arrow_type: pa.DataType) -> str:
    """The type's family as the `type_name` enum of a column (`STRING`, `LONG`, `DECIMAL`, `ARRAY`)."""
    for check, _, name in SIMPLE_TYPES:
        if check(arrow_type):
            return name
    text = type_text(arrow_type)
    family = text.split("(")[0].split("<")[0]
    return "TIMESTAMP" if family == "TIMESTAMP_NTZ" else family


def column_info(schema: pa.Schema) -> list[dict[str, Any]]:
    """The `manifest.schema.columns` of a result."""
    columns = []
    for position, field in enumerate(schema):
        column: dict[str, Any] = {
            "name": field.name,
            "type_text": type_text(field.type),
            "type_name": type_name(field.type),
            "position": position,
        }
        if pa.types.is_decimal(field.type):
            column.update(type_precision=field.type.precision, type_scale=field.type.scale)
        columns.append(column)
    return columns


def render(value: Any) -> str | None:
    """One value of a JSON_ARRAY result: every value a string (or null), as Databricks sends them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return _timestamp(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | dict | tuple):
        return json.dumps(_nested(value), separators=(",", ":"))
    return str(value)


def _nested(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _nested(v) for k, v in value.items()}
    if isinstance(value, tuple) and len(value) == 2:  # map entries come as (key, value) pairs
        return value
    if isinstance(value, list):
        if value and all(isinstance(item, tuple) and len(item) == 2 for item in value):
            return {str(k): _nested(v) for k, v in value}
        return [_nested(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date | decimal.Decimal | bytes):
        return render(value)
    return value


def _timestamp(value: datetime.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="milliseconds") + "Z"
    return value.isoformat(timespec="milliseconds")
