"""Delimited files read with pyarrow's streaming CSV reader, the fast path for CSV and TSV.

A small file costs under a millisecond here against several in a DuckDB scan, which matters for a
folder of 10,000 files. Only an empty field is NULL: `NA`, `N/A`, `null`, `nan` stay text, as in DuckDB
and Spark, so the profiler judges them as placeholders. Types are inferred from the first block; when a later block contradicts
them, `TypeConflictError` tells the caller to fall back to DuckDB's whole-file sniffing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from lakerun.engines.formats import Format
from lakerun.errors import LakerunError

BLOCK_BYTES = 1 << 20


class TypeConflictError(LakerunError):
    """A value later in the file does not fit the type inferred from its first block."""


class NotUtf8Error(LakerunError):
    """The file is not UTF-8 text."""


def _reader(fs: Any, path: str, fmt: Format, schema: pa.Schema | None) -> tuple[Any, pa.RecordBatchReader]:
    handle = fs.open(path, "rb", compression="infer")
    convert = pacsv.ConvertOptions(
        null_values=[""],
        strings_can_be_null=True,
        column_types={f.name: f.type for f in schema} if schema is not None else None,
    )
    parse = pacsv.ParseOptions(delimiter="\t" if fmt is Format.TSV else ",")
    try:
        reader = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=parse,
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        handle.close()
        raise _translated(exc) from exc
    return handle, reader


def _translated(exc: pa.ArrowInvalid) -> Exception:
    text = str(exc)
    if "UTF8" in text or "utf8" in text.lower():
        return NotUtf8Error(f"file is not UTF-8 encoded: {text}")
    if "conversion error" in text:
        return TypeConflictError(text)
    return ValueError(f"unreadable delimited file: {text}")


def _check_text(schema: pa.Schema) -> None:
    binary = [f.name for f in schema if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
    if binary:
        raise NotUtf8Error(f"file is not UTF-8 encoded (column {', '.join(binary)})")


def count_and_schema(fs: Any, path: str, fmt: Format) -> tuple[pa.Schema, int]:
    """Exact row count (one streaming pass) and the inferred schema of one delimited file."""
    handle, reader = _reader(fs, path, fmt, None)
    with handle:
        _check_text(reader.schema)
        rows = 0
        try:
            for batch in reader:
                rows += batch.num_rows
        except pa.ArrowInvalid as exc:
            raise _translated(exc) from exc
        return _text_for_empty(reader.schema), rows


def column_names(fs: Any, path: str, fmt: Format) -> list[str]:
    """The header's column names, from the first block only (no pass over the rest of the file)."""
    handle, reader = _reader(fs, path, fmt, None)
    with handle:
        _check_text(reader.schema)
        return list(reader.schema.names)


def _text_for_empty(schema: pa.Schema) -> pa.Schema:
    """Columns with no value at all (a header-only file) are text, as DuckDB and Spark would say."""
    return pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema])


def iter_batches(
    fs: Any, path: str, fmt: Format, schema: pa.Schema, limit: int | None
) -> Iterator[pa.RecordBatch]:
    """Typed batches following `schema` (as `count_and_schema` returned it), at most `limit` rows."""
    handle, reader = _reader(fs, path, fmt, schema)
    remaining = limit
    with handle:
        for batch in reader:
            if remaining is not None:
                if remaining <= 0:
                    return
                yield batch.slice(0, remaining)
                remaining -= batch.num_rows
            else:
                yield batch
