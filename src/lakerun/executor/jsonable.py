"""Turning typed Arrow values into JSON-ready ones (dates as ISO text, decimals and bytes as text)."""

from __future__ import annotations

import base64
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of one value from `Table.to_pylist()`."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def table_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows of an Arrow table as JSON-ready dicts."""
    return [jsonable(row) for row in table.to_pylist()]
