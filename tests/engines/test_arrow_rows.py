"""Arrow columns built buffer by buffer hold exactly what `pa.array` would build from the same values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import pytest

from lakerun.engines.arrow_rows import arrow_column, rows_table

pytestmark = pytest.mark.core

CASES: list[tuple[pa.DataType, list[Any]]] = [
    (pa.string(), ["a", None, "", "é✓ tab\tand NUL\x00", "x" * 1000]),
    (pa.int64(), [0, None, -(2**63), 2**63 - 1, 42]),
    (pa.float64(), [1.5, None, float("inf"), -0.0, 3]),
    (pa.bool_(), [True, False, None, True, True, False, False, True, True]),
    (pa.timestamp("us"), [datetime(2024, 2, 29, 23, 59, 59, 999999), None, datetime(1900, 1, 1)]),
    (pa.timestamp("ns"), [datetime(2024, 1, 1, 0, 0, 0, 1), None]),
    (pa.timestamp("ms", tz="UTC"), [datetime(2024, 1, 1, 0, 0, 0, 5000), None]),
]


@pytest.mark.parametrize(("arrow_type", "values"), CASES, ids=[str(t) for t, _ in CASES])
def test_columns_equal_what_pyarrow_builds(arrow_type: pa.DataType, values: list[Any]) -> None:
    built = arrow_column(values, arrow_type)
    built.validate(full=True)
    assert built.equals(pa.array(values, arrow_type))
    assert built.to_pylist() == pa.array(values, arrow_type).to_pylist()


def test_no_nulls_and_no_rows() -> None:
    assert arrow_column(["a", "b"], pa.string()).null_count == 0
    empty = arrow_column([], pa.int64())
    empty.validate(full=True)
    assert empty.equals(pa.array([], pa.int64()))


def test_aware_datetimes_are_taken_in_utc() -> None:
    aware = datetime(2024, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert arrow_column([aware], pa.timestamp("us")).to_pylist() == [datetime(2024, 1, 1, 0, 0)]
    assert arrow_column([aware], pa.timestamp("us")).equals(pa.array([aware], pa.timestamp("us")))
    assert arrow_column([datetime(2024, 1, 1, tzinfo=UTC)], pa.timestamp("us")).to_pylist() == [
        datetime(2024, 1, 1)
    ]


@pytest.mark.parametrize(
    ("arrow_type", "value"),
    [
        (pa.string(), 1),
        (pa.int64(), "1"),
        (pa.int64(), 1.5),
        (pa.int64(), True),
        (pa.int64(), 2**63),
        (pa.float64(), "1.5"),
        (pa.bool_(), 1),
        (pa.timestamp("us"), "2024-01-01"),
        (pa.timestamp("s"), datetime(2024, 1, 1, 0, 0, 0, 1)),
        (pa.date32(), None),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(arrow_type: pa.DataType, value: Any) -> None:
    with pytest.raises(TypeError):
        arrow_column([value], arrow_type)


def test_rows_table_takes_missing_names_as_null() -> None:
    schema = pa.schema([("id", pa.string()), ("n", pa.int64())])
    table = rows_table([{"id": "a", "n": 1}, {"id": "b"}], schema)
    assert table.schema == schema
    assert table.to_pylist() == [{"id": "a", "n": 1}, {"id": "b", "n": None}]
