"""Placeholder values as TestGen defines them, dates written as text, empty tables and failed columns."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from lakerun.quality import evaluate
from lakerun.quality.profile import ColumnProfile, TableProfile
from tests.quality.conftest import RUN_DATE, profile_tables


def _column(values: list[str | None]) -> ColumnProfile:
    return profile_tables({"t": {"v": values}})[0].columns[0]


def test_placeholders_are_runs_of_one_character_only() -> None:
    dummies = ["00", "999", "xx", "ZZZ", "N/A", "null", "NaN", "(none)", "--", "NA"]
    assert _column(dummies).number("filled_value_ct") == len(dummies)  # type: ignore[arg-type]
    real = ["90", "900", "909", "0x", "9z", "nana", "x", "0"]
    assert _column(real).number("filled_value_ct") == 0  # type: ignore[arg-type]


def test_dates_as_text_in_iso_and_day_first_forms() -> None:
    dates = [
        "2024-01-05T10:00:00Z",
        "2024-01-05T10:00:00.123+02:00",
        "2024-01-05 10:00:00-0500",
        "2024/01/05",
        "25/12/2024",
        "12/25/2024",
        "20240105",
        "2024-01-05",
    ]
    column = _column(dates)  # type: ignore[arg-type]
    assert column.number("date_ct") == len(dates)
    assert column.text("text_min_date") == "2024-01-05"
    assert column.text("text_max_date") == "2024-12-25"
    assert _column(["2024-13-45", "99/99/2024", "hello"]).number("date_ct") == 0


def test_a_day_first_column_reads_every_date_day_first() -> None:
    """`01/03/2024` in a column that also holds `25/03/2024` is the 1st of March, not the 3rd of January."""
    day_first = _column([f"{day:02d}/03/2024" for day in range(1, 29)])
    assert (day_first.text("text_min_date"), day_first.text("text_max_date")) == ("2024-03-01", "2024-03-28")
    month_first = _column([f"03/{day:02d}/2024" for day in range(1, 29)])
    assert (month_first.text("text_min_date"), month_first.text("text_max_date")) == (
        "2024-03-01",
        "2024-03-28",
    )
    ambiguous = _column(["01/03/2024", "02/03/2024"])
    assert ambiguous.text("text_min_date") == "2024-01-03", "TestGen reads an ambiguous column month first"


def test_text_event_dates_are_charged_like_typed_dates() -> None:
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    typed = evaluate(profile_tables({"t": {"departed_at": days}}))
    text = evaluate(profile_tables({"t": {"departed_at": [f"{d.isoformat()}T08:00:00Z" for d in days]}}))
    assert typed.dimensions["timeliness"] < 1.0
    assert text.dimensions["timeliness"] == typed.dimensions["timeliness"]


def test_empty_table_has_its_own_outcome_and_no_perfect_score() -> None:
    result = evaluate(profile_tables({"t": pa.table({"a": pa.array([], pa.int64())})}))
    assert [a.anomaly_type for a in result.anomalies] == ["Empty_Table"]
    assert result.score == 0.0
    assert result.total_data_points == 0


def test_a_column_that_could_not_be_profiled_is_no_evidence() -> None:
    good = ColumnProfile("a", 1, "N", "int64", {"record_ct": 10, "value_ct": 10, "distinct_value_ct": 10})
    failed = ColumnProfile("b", 2, "A", "string", {"record_ct": 10}, query_error="Conversion Error")
    profile = TableProfile("t", 10, [good, failed], RUN_DATE.isoformat(), "duckdb")
    result = evaluate([profile])
    assert result.total_data_points == 10
    assert any(a.anomaly_type == "Profile_Error" and a.column_name == "b" for a in result.anomalies)
    only_failed = TableProfile("t", 10, [failed], RUN_DATE.isoformat(), "duckdb")
    assert evaluate([only_failed]).score == 0.0
