"""Excel (.xlsx) worksheets read row by row with openpyxl, typed from the cell values themselves.

The first row is the header; a column's type is the narrowest one that holds every value in it
(integers widen to doubles, anything mixed becomes a string). Rows are streamed in read-only mode,
so a large workbook is never held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import IO, Any

import pyarrow as pa

_KIND_ORDER = ("null", "bool", "int", "float", "date", "datetime", "time", "str")
_ARROW = {
    "null": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "time": pa.time64("us"),
    "str": pa.string(),
}
_BATCH_ROWS = 10_000


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    return "str"


def _merge(current: str, new: str) -> str:
    if new in (current, "null"):
        return current
    if current == "null":
        return new
    if {current, new} == {"int", "float"}:
        return "float"
    if {current, new} == {"date", "datetime"}:
        return "datetime"
    return "str"


def _header(row: tuple[Any, ...]) -> list[str]:
    names: list[str] = []
    for index, value in enumerate(row):
        name = str(value).strip() if value is not None and str(value).strip() else f"column_{index + 1}"
        names.append(name if name not in names else f"{name}_{index + 1}")
    return names


class Worksheet:
    """The active worksheet of one workbook, opened from a binary file handle."""

    def __init__(self, handle: IO[bytes]) -> None:
        import openpyxl

        self._book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        self.sheet = self._book.active
        self.sheet_name = str(getattr(self.sheet, "title", "Sheet1"))

    def close(self) -> None:
        """Close the workbook."""
        self._book.close()

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        for row in self.sheet.iter_rows(values_only=True):
            if any(value is not None and value != "" for value in row):
                yield tuple(row)

    def count_and_schema(self) -> tuple[pa.Schema, int]:
        """One streaming pass: the exact row count and each column's narrowest type."""
        rows = self._rows()
        first = next(rows, None)
        if first is None:
            return pa.schema([]), 0
        names = _header(first)
        kinds = ["null"] * len(names)
        count = 0
        for row in rows:
            count += 1
            for index, value in enumerate(row[: len(names)]):
                kinds[index] = _merge(kinds[index], _kind(value))
        return pa.schema([(name, _ARROW[kind]) for name, kind in zip(names, kinds, strict=True)]), count

    def iter_batches(self, schema: pa.Schema, limit: int | None = None) -> Iterator[pa.RecordBatch]:
        """Data rows as typed record batches following `schema` (from `count_and_schema`)."""
        rows = self._rows()
        next(rows, None)
        buffer: list[tuple[Any, ...]] = []
        for taken, row in enumerate(rows):
            if limit is not None and taken >= limit:
                break
            buffer.append(row)
            if len(buffer) >= _BATCH_ROWS:
                yield _to_batch(buffer, schema)
                buffer = []
        if buffer:
            yield _to_batch(buffer, schema)


def _to_batch(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    columns = []
    for index, field in enumerate(schema):
        values = [row[index] if index < len(row) else None for row in rows]
        if pa.types.is_string(field.type):
            values = [None if value is None else str(value) for value in values]
        columns.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)
