"""Sampling on its own: counts measured on a sample scale back to the table, distinct counts do not, and a
sample is repeatable (one seed for every query of a profile)."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
from sqlglot import exp

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.quality.profile import ColumnProfile
from lakerun.quality.sampling import SampleScaler, sampled_source


@pytest.fixture
def engine() -> Iterator[DuckDBEngine]:
    duck = DuckDBEngine()
    duck.register("t", pa.table({"id": list(range(10_000))}))
    yield duck
    duck.close()


def test_counts_scale_by_the_ratio_and_distinct_counts_stay() -> None:
    scaler = SampleScaler(total_rows=1_000, sampled_rows=250)
    metrics: dict[str, object] = {"null_value_ct": 10, "distinct_value_ct": 40, "top_freq_ct": 3, "avg": 2.5}
    scaler.scale(metrics)  # type: ignore[arg-type]
    assert metrics == {"null_value_ct": 40, "distinct_value_ct": 40, "top_freq_ct": 3, "avg": 2.5}


def test_a_whole_table_is_never_scaled() -> None:
    for scaler in (SampleScaler(1_000), SampleScaler(0, 0), SampleScaler(1_000, 1_000)):
        assert scaler.ratio == 1.0 and scaler.scale_count(7) == 7


def test_top_values_and_patterns_scale_with_the_column() -> None:
    column = ColumnProfile(
        column_name="c",
        position=1,
        general_type="A",
        db_data_type="VARCHAR",
        metrics={"value_ct": 50},
        top_values=[("a", 5)],
        top_patterns=[("AAA", 10)],
    )
    SampleScaler(total_rows=400, sampled_rows=100).scale_column(column)
    assert column.metrics["value_ct"] == 200
    assert column.top_values == [("a", 20)] and column.top_patterns == [("AAA", 40)]


def test_no_sample_reads_the_table_itself(engine: DuckDBEngine) -> None:
    table = exp.to_table("t")
    source, scaler = sampled_source(engine, table, None)
    assert source is table and scaler.ratio == 1.0
    assert sampled_source(engine, table, 100)[1].ratio == 1.0


def test_a_sample_is_repeatable_and_its_ratio_measured(engine: DuckDBEngine) -> None:
    source, scaler = sampled_source(engine, exp.to_table("t"), 10)
    assert scaler.total_rows == 10_000 and 0.05 < scaler.ratio < 0.15
    query = exp.select(exp.Count(this=exp.Star())).from_(source)
    first, again = engine.query(query).column(0)[0].as_py(), engine.query(query).column(0)[0].as_py()
    assert first == again == round(scaler.ratio * 10_000)


@pytest.mark.parametrize("percent", [0, -5])
def test_a_percent_outside_the_range_is_refused(engine: DuckDBEngine, percent: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        sampled_source(engine, exp.to_table("t"), percent)
