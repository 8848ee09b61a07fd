"""The Spark adapter on a local SparkSession: the same profile as DuckDB on the same data (parity)."""

from __future__ import annotations

import pytest

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.engines.sql import EngineError
from lakerun.quality import ProfileOptions, assess, profile_table
from tests.engines.parity_data import APPROXIMATE, ENGINE_ONLY, RUN_DATE, TABLE

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture
def spark_engine(spark_session):
    from lakerun.engines.spark_engine import SparkEngine

    return SparkEngine(spark_session)


def test_spark_profile_equals_duckdb_profile(spark_engine) -> None:
    spark_engine.register("parity", TABLE)
    duck = DuckDBEngine()
    duck.register("parity", TABLE)
    options = ProfileOptions(run_date=RUN_DATE, exact_distinct=True)
    on_spark, on_duckdb = assess(spark_engine, "parity", options), assess(duck, "parity", options)
    assert on_spark.profiles[0].duplicate_row_ct == on_duckdb.profiles[0].duplicate_row_ct
    for spark_column, duck_column in zip(
        on_spark.profiles[0].columns, on_duckdb.profiles[0].columns, strict=True
    ):
        assert not spark_column.query_error
        for metric, value in duck_column.metrics.items():
            if metric not in APPROXIMATE | ENGINE_ONLY:
                assert spark_column.metrics.get(metric) == pytest.approx(value), (
                    spark_column.column_name,
                    metric,
                )
        assert spark_column.top_values == duck_column.top_values
        assert spark_column.top_patterns == duck_column.top_patterns
    assert [a.key for a in on_spark.anomalies] == [a.key for a in on_duckdb.anomalies]
    assert on_spark.score == pytest.approx(on_duckdb.score)


def test_spark_dataframe_sampling_and_errors(spark_engine, spark_session) -> None:
    spark_engine.register("numbers", spark_session.range(20000).selectExpr("id % 7 AS bucket"))
    options = ProfileOptions(run_date=RUN_DATE, sample_percent=25, count_duplicate_rows=False)
    profile = profile_table(spark_engine, "numbers", options)
    assert 0.2 < profile.sample_ratio < 0.3
    assert profile.record_ct == pytest.approx(20000, rel=0.02)
    assert profile.column("bucket").number("distinct_value_ct") == 7
    with pytest.raises(EngineError, match="Spark failed"):
        spark_engine.query("SELECT * FROM no_such_view")
