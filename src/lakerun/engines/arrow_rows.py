"""Arrow columns built from Python values buffer by buffer, because `pa.array` of Python values imports pandas.

pyarrow asks whether a Python list is "array-like" by importing pandas when it is installed (about a
second here), so a workload that only writes a few rows of metadata would pay for pandas it never uses.
The columns are assembled from their validity bitmap and value buffers instead, with the same strictness
as `pa.array` (a value of the wrong Python type is a `TypeError`; aware datetimes are taken in UTC).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

import pyarrow as pa

_EPOCH = datetime(1970, 1, 1)
_MICROSECONDS_PER = {"s": 1_000_000, "ms": 1_000, "us": 1}


def rows_table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """A table of `schema` from row mappings; a name a row lacks is null in that row."""
    columns = [arrow_column([row.get(f.name) for row in rows], f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def arrow_column(values: Sequence[Any], arrow_type: pa.DataType) -> pa.Array:
    """One Arrow array of `arrow_type` holding `values` (None is null)."""
    buffers = _builder(arrow_type)(list(values), arrow_type)
    validity, nulls = _validity(values)
    return pa.Array.from_buffers(arrow_type, len(values), [validity, *buffers], null_count=nulls)


_Build = Callable[[list[Any], pa.DataType], list[pa.Buffer]]


def _builder(arrow_type: pa.DataType) -> _Build:
    checks: tuple[tuple[Callable[[pa.DataType], bool], _Build], ...] = (
        (pa.types.is_boolean, _booleans),
        (pa.types.is_int64, _integers),
        (pa.types.is_float64, _floats),
        (pa.types.is_string, _strings),
        (pa.types.is_timestamp, _timestamps),
    )
    for check, build in checks:
        if check(arrow_type):
            return build
    raise TypeError(f"no Python-value builder for Arrow type {arrow_type}")


def _validity(values: Sequence[Any]) -> tuple[pa.Buffer | None, int]:
    """The validity bitmap (None when nothing is null) and the null count."""
    nulls = sum(1 for v in values if v is None)
    if not nulls:
        return None, 0
    return _bitmap(v is not None for v in values), nulls


def _bitmap(bits: Any) -> pa.Buffer:
    """Arrow's least-significant-bit-first bitmap of an iterable of booleans."""
    packed = bytearray()
    for index, bit in enumerate(bits):
        if index % 8 == 0:
            packed.append(0)
        if bit:
            packed[-1] |= 1 << (index % 8)
    return pa.py_buffer(bytes(packed))


def _booleans(values: list[Any], arrow_type: pa.DataType) -> list[pa.Buffer]:
    for value in values:
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"cannot store {value!r} ({type(value).__name__}) as {arrow_type}")
    return [_bitmap(bool(v) for v in values)]


def _numbers(code: str, values: list[Any], arrow_type: pa.DataType) -> list[pa.Buffer]:
    try:
        return [pa.py_buffer(array(code, [0 if v is None else v for v in values]).tobytes())]
    except (TypeError, OverflowError) as exc:
        raise TypeError(f"cannot store a value as {arrow_type}: {exc}") from exc


def _integers(values: list[Any], arrow_type: pa.DataType) -> list[pa.Buffer]:
    if any(isinstance(v, bool | float) for v in values):
        raise TypeError(f"cannot store a bool or float as {arrow_type}")
    return _numbers("q", values, arrow_type)


def _floats(values: list[Any], arrow_type: pa.DataType) -> list[pa.Buffer]:
    if any(isinstance(v, bool) for v in values):
        raise TypeError(f"cannot store a bool as {arrow_type}")
    return _numbers("d", values, arrow_type)


def _strings(values: list[Any], arrow_type: pa.DataType) -> list[pa.Buffer]:
    encoded = []
    for value in values:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"cannot store {value!r} ({type(value).__name__}) as {arrow_type}")
        encoded.append(b"" if value is None else value.encode("utf-8"))
    offsets = array("i", accumulate((len(e) for e in encoded), initial=0))
    return [pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(encoded))]


def _timestamps(values: list[Any], arrow_type: pa.DataType) -> list[pa.Buffer]:
    unit = arrow_type.unit
    ticks = [None if v is None else _microseconds(v, arrow_type) for v in values]
    if unit == "ns":
        scaled = [None if t is None else t * 1_000 for t in ticks]
    else:
        per = _MICROSECONDS_PER[unit]
        if any(t is not None and t % per for t in ticks):
            raise TypeError(f"a value has more precision than {arrow_type} keeps")
        scaled = [None if t is None else t // per for t in ticks]
    return _numbers("q", scaled, arrow_type)


def _microseconds(value: Any, arrow_type: pa.DataType) -> int:
    """Microseconds since the epoch; an aware datetime is taken in UTC, as `pa.array` does."""
    if not isinstance(value, datetime):
        raise TypeError(f"cannot store {value!r} ({type(value).__name__}) as {arrow_type}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (value - _EPOCH) // timedelta(microseconds=1)
