"""Histograms of numeric columns: bins counted exactly (checked against Python), NULLs and non-numeric
columns left out, the max in the last bin, and the same bins on PostgreSQL as on DuckDB."""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid

import pyarrow as pa
import pytest

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.quality import ProfileOptions, profile_table
from lakerun.quality.histograms import BINS, add_histograms
from tests.quality.conftest import RUN_DATE

RNG = random.Random(5)
VALUES = [RNG.gauss(50, 15) for _ in range(3000)] + [None] * 40 + [-200.0, 400.0]
TABLE = pa.table(
    {
        "reading": VALUES,
        "count": [i % 37 for i in range(len(VALUES))],
        "flat": [7] * len(VALUES),
        "label": [f"v{i % 5}" for i in range(len(VALUES))],
        "day": [dt.date(2024, 1, 1) + dt.timedelta(days=i % 366) for i in range(len(VALUES))],
        "at": [dt.datetime(2024, 3, 1, 6) + dt.timedelta(minutes=7 * i) for i in range(len(VALUES))],
    }
)


def epochs(values: list[dt.date] | list[dt.datetime]) -> list[float | None]:
    """Epoch seconds of dates (at midnight) and naive timestamps, read as UTC."""
    moments = [v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day) for v in values]
    return [m.replace(tzinfo=dt.UTC).timestamp() for m in moments]


def expected_bins(values: list[float | None], bins: int = BINS) -> list[int]:
    """Equal-width bins between min and max in plain Python, the max counted in the last bin."""
    present = [v for v in values if v is not None]
    low, high = min(present), max(present)
    width = (high - low) / bins
    counts = [0] * bins
    for value in present:
        counts[min(math.floor((value - low) / width), bins - 1)] += 1
    return counts


def histograms(engine: object, name: str) -> dict[str, list[list[float]]]:
    profile = profile_table(engine, name, ProfileOptions(run_date=RUN_DATE))  # type: ignore[arg-type]
    add_histograms(engine, [profile])  # type: ignore[arg-type]
    return {c.column_name: c.histogram for c in profile.columns}


def test_bins_are_counted_exactly_and_skip_what_has_no_range() -> None:
    engine = DuckDBEngine()
    engine.register("readings", TABLE)
    found = histograms(engine, "readings")
    assert [int(b[2]) for b in found["reading"]] == expected_bins(VALUES)
    assert found["reading"][0][0] == -200.0 and found["reading"][-1][1] == 400.0
    assert [int(b[2]) for b in found["count"]] == expected_bins(TABLE.column("count").to_pylist())
    assert found["flat"] == [] and found["label"] == []


def test_dates_and_timestamps_are_binned_on_their_epoch_seconds() -> None:
    engine = DuckDBEngine()
    engine.register("readings", TABLE)
    found = histograms(engine, "readings")
    for name in ("day", "at"):
        seconds = epochs(TABLE.column(name).to_pylist())
        assert [int(b[2]) for b in found[name]] == expected_bins(seconds), name
        assert found[name][0][0] == min(s for s in seconds if s is not None)


def test_an_empty_table_gets_no_histogram() -> None:
    engine = DuckDBEngine()
    engine.register("empty", pa.table({"x": pa.array([], pa.float64())}))
    assert histograms(engine, "empty") == {"x": []}


@pytest.mark.postgres
def test_postgres_counts_the_same_bins_as_duckdb() -> None:
    from lakerun.engines.dbapi_engine import DbApiEngine

    try:
        postgres = DbApiEngine.postgres("host=127.0.0.1 port=5432 dbname=test user=postgres")
    except Exception as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {error}")
    name = f"h_{uuid.uuid4().hex[:8]}"
    try:
        postgres.register(name, TABLE)  # a temporary table, gone with the connection
        duck = DuckDBEngine()
        duck.register(name, TABLE)
        assert histograms(postgres, name) == histograms(duck, name)
    finally:
        postgres.close()


def test_a_table_the_engine_cannot_scan_keeps_its_profile_without_histograms() -> None:
    engine = DuckDBEngine()
    engine.register("readings", TABLE)
    profile = profile_table(engine, "readings", ProfileOptions(run_date=RUN_DATE))
    profile.table_name = "gone_meanwhile"
    add_histograms(engine, [profile])
    assert all(column.histogram == [] for column in profile.columns)
