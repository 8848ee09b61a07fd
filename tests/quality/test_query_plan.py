"""The profiler's query plan on its own: which aggregates each column gets, and how the engine's declared
capabilities pick the SQL, rendered for DuckDB, Spark and PostgreSQL without running anything."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlglot import exp

from lakerun.engines.sql import Capabilities
from lakerun.quality.metrics import add_months, column_metrics, date_metrics

RUN_DATE = dt.date(2025, 6, 15)
HOSTILE = exp.column('we"ird col', quoted=True)
"""A column name with a quote and a space: it must stay one quoted identifier in every dialect."""
DIALECTS = ("duckdb", "spark", "postgres")


def metrics(
    general_type: str, caps: Capabilities = Capabilities(), **options: bool
) -> dict[str, exp.Expression]:
    settings = {"exact_distinct": False, **options}
    return column_metrics(HOSTILE, general_type, caps, RUN_DATE, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("general_type", ["A", "N", "D", "B", "X"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_aggregate_renders_and_parses_back_in_each_dialect(general_type: str, dialect: str) -> None:
    for name, expression in metrics(general_type).items():
        sql = expression.sql(dialect)
        parsed = sqlglot.parse_one(sql, read=dialect)
        names = {column.name for column in parsed.find_all(exp.Column)}
        assert names == {'we"ird col'}, (name, sql)


def test_each_general_type_gets_its_own_metrics() -> None:
    assert set(metrics("X")) == {"value_ct", "distinct_value_ct"}
    assert {"boolean_true_ct", "boolean_false_ct"} <= set(metrics("B"))
    assert {"min_value", "max_value", "zero_value_ct", "percentiles"} <= set(metrics("N"))
    assert {"min_date", "max_date", "future_date_ct", "date_days_present"} <= set(metrics("D"))
    text = set(metrics("A"))
    assert {"non_printing_ct", "distinct_std_value_ct", "lead_space_ct", "quoted_value_ct"} <= text


def test_text_metrics_and_quantiles_are_left_out_when_not_asked_for() -> None:
    assert set(metrics("A", with_text=False)) == {"value_ct", "distinct_value_ct"}
    assert "percentiles" not in metrics("N", with_quantiles=False)


def test_distinct_counts_are_approximate_only_where_the_engine_can_and_exactness_is_not_asked() -> None:
    assert metrics("N")["distinct_value_ct"].sql("spark") == 'APPROX_COUNT_DISTINCT(`we"ird col`)'
    exact = metrics("N", exact_distinct=True)["distinct_value_ct"].sql("spark")
    assert exact == 'COUNT(DISTINCT `we"ird col`)'
    no_hll = metrics("N", Capabilities(approx_distinct=False))["distinct_value_ct"].sql("postgres")
    assert no_hll == 'COUNT(DISTINCT "we""ird col")'


def test_quantiles_use_the_engines_own_function_then_approx_then_percentile_cont() -> None:
    own = metrics("N", Capabilities(quantile_function="reservoir_quantile"))["percentiles"].sql("duckdb")
    assert own.startswith("RESERVOIR_QUANTILE(") and "[0.25, 0.5, 0.75, 0.95]" in own
    approx = metrics("N")["percentiles"].sql("spark")
    assert approx.startswith("PERCENTILE_APPROX(")
    exact = metrics("N", Capabilities(approx_quantile=False))["percentiles"].sql("postgres")
    assert exact.startswith("PERCENTILE_CONT(") and "WITHIN GROUP (ORDER BY" in exact


def test_the_non_printing_regex_runs_only_on_values_whose_bytes_and_characters_differ() -> None:
    plain = metrics("A")["non_printing_ct"].sql("duckdb")
    assert plain.startswith("COUNT_IF(REGEXP_MATCHES(")
    guarded = metrics("A", Capabilities(byte_length="strlen"))["non_printing_ct"].sql("duckdb")
    assert guarded.startswith('COUNT_IF(CASE WHEN STRLEN("we""ird col") <> LENGTH("we""ird col") THEN')


def test_date_bands_are_computed_from_the_run_date() -> None:
    bands = date_metrics(RUN_DATE)
    assert "2024-06-15" in bands["within_1yr_date_ct"]
    assert "1925-06-15" in bands["before_100yr_date_ct"]
    assert add_months(dt.date(2025, 3, 31), -1) == dt.date(2025, 2, 28)
