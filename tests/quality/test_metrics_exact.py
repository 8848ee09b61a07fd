"""Exact metrics equal values computed independently with pandas on the same data; approximate ones within their error."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.quality.conftest import RUN_DATE, profile_tables

ROWS = 3000


def _dirty_table(seed: int = 11) -> pa.Table:
    rng = random.Random(seed)
    words = [
        "alpha",
        "Beta",
        "GAMMA",
        " lead",
        "",
        "N/A",
        "null",
        '"quoted"',
        "a\u00a0b",
        "12,345.50",
        "2024-02-29",
        "x y z",
        "(none)",
        "[NULL]",
        "xxxxxxxxxxxxxxxxxxxxxx",
        "none            ",
        "dummy-ish",
        "Name12",
    ]
    text = [rng.choice(words) if rng.random() > 0.05 else None for _ in range(ROWS)]
    numbers = [
        rng.choice([0, -3.5, 2.25, 7.0, 100.125]) + rng.randint(0, 50) if rng.random() > 0.1 else None
        for _ in range(ROWS)
    ]
    days = [
        RUN_DATE - dt.timedelta(days=rng.randint(-4000, 40000)) if rng.random() > 0.1 else None
        for _ in range(ROWS)
    ]
    flags = [rng.random() < 0.3 if rng.random() > 0.2 else None for _ in range(ROWS)]
    ids = list(range(ROWS))
    return pa.table({"text": text, "num": numbers, "day": days, "flag": flags, "id": ids})


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, dict]:
    table = _dirty_table()
    exact = profile_tables({"t": table}, exact_distinct=True)[0]
    approx = profile_tables({"t": table})[0]
    return table.to_pandas(), {"exact": exact, "approx": approx}


def test_counts_and_distincts_match_pandas(data) -> None:
    frame, profiles = data
    profile = profiles["exact"]
    assert profile.record_ct == len(frame)
    for name in frame.columns:
        column = profile.column(name)
        assert column.number("value_ct") == frame[name].notna().sum()
        assert column.number("null_value_ct") == frame[name].isna().sum()
        assert column.number("distinct_value_ct") == frame[name].nunique()
    assert profile.duplicate_row_ct == len(frame) - len(frame.drop_duplicates())


def _is_placeholder(value: str) -> bool:
    """TestGen's dummy-value rule, written independently of the SQL: brackets dropped, trimmed, lower case."""
    bare = re.sub(r"[()\[\]]", "", value.strip().lower())
    words = "blank|error|missing|tbd|n/a|#na|none|null|unknown|undefined|empty|dummy|test|na"
    return re.fullmatch(rf"[-.? ]+|[09xz]{{2,}}|({words})", bare) is not None


def test_text_metrics_match_python(data) -> None:
    frame, profiles = data
    values = frame["text"].dropna()
    column = profiles["exact"].column("text")
    expected = {
        "zero_length_ct": (values == "").sum(),
        "lead_space_ct": values.str.startswith(" ").sum(),
        "quoted_value_ct": values.map(lambda v: len(v) > 1 and v[0] == v[-1] == '"').sum(),
        "includes_digit_ct": values.str.contains(r"[0-9]").sum(),
        "non_printing_ct": values.str.contains("\u00a0").sum(),
        "upper_case_ct": values.map(lambda v: v == v.upper() and v != v.lower()).sum(),
        "lower_case_ct": values.map(lambda v: v == v.lower() and v != v.upper()).sum(),
        "non_alpha_ct": values.map(lambda v: v.upper() == v.lower()).sum(),
        "filled_value_ct": values.map(_is_placeholder).sum(),
        "numeric_ct": (values == "12,345.50").sum(),
        "date_ct": (values == "2024-02-29").sum(),
        "embedded_space_ct": values.map(lambda v: " " in v.strip()).sum(),
        "max_length": values.str.len().max(),
        "min_length": values.str.len().min(),
        "distinct_std_value_ct": values.map(lambda v: re.sub(r"[ '\",.\-]", "", v).upper()).nunique(),
    }
    for name, value in expected.items():
        assert column.number(name) == value, name
    assert column.number("avg_length") == pytest.approx(values[values != ""].str.len().mean())
    assert column.text("min_text") == min(v for v in values if v)


def test_numeric_metrics_match_pandas(data) -> None:
    frame, profiles = data
    values = frame["num"].dropna()
    column = profiles["exact"].column("num")
    assert column.number("min_value") == values.min()
    assert column.number("max_value") == values.max()
    assert column.number("min_value_over_0") == values[values > 0].min()
    assert column.number("avg_value") == pytest.approx(values.mean())
    assert column.number("stdev_value") == pytest.approx(values.std())
    assert column.number("zero_value_ct") == (values == 0).sum()
    assert column.number("negative_value_ct") == (values < 0).sum()
    assert column.number("fractional_sum") == pytest.approx((values.abs() % 1).sum())


@pytest.mark.parametrize("quantile", [0.25, 0.5, 0.75, 0.95])
def test_approximate_quantiles_within_rank_error(data, quantile: float) -> None:
    frame, profiles = data
    values = frame["num"].dropna().sort_values().to_numpy()
    estimate = profiles["approx"].column("num").number(f"percentile_{int(quantile * 100)}")
    rank = (values <= estimate).mean()
    assert abs(rank - quantile) <= 0.02, "rank error stays within 2% on this data"


def test_quantiles_of_a_large_ordered_column_come_from_a_fair_sample() -> None:
    """Sorted data is where a keep-the-first-rows reservoir fails; the shared Bernoulli sample does not."""
    rows = 400_000
    table = pa.table(
        {"id": pa.array(range(rows), pa.int64()), "half": pa.array([n % 2 for n in range(rows)])}
    )
    profile = profile_tables({"ordered": table})[0]
    column = profile.column("id")
    assert 0.1 <= column.number("quantile_sample_ratio") <= 0.15
    for quantile in (0.25, 0.5, 0.75, 0.95):
        estimate = column.number(f"percentile_{int(quantile * 100)}")
        assert abs(estimate / rows - quantile) <= 0.02, (quantile, estimate)  # 50,000 rows: sd ~0.45%
    small = profile_tables({"small": table.slice(0, 1000)})[0].column("id")
    assert small.number("quantile_sample_ratio") == 1.0
    assert small.number("percentile_50") == pytest.approx(499.5), "all rows sampled: exact"


def test_distinct_counts_are_exact_or_labelled_approximate(data) -> None:
    frame, profiles = data
    for column in profiles["approx"].columns:
        expected = frame[column.column_name].nunique()
        if column.metrics["distinct_is_exact"]:
            assert column.number("distinct_value_ct") == expected, column.column_name
        else:
            assert abs(column.number("distinct_value_ct") - expected) <= 0.25 * expected, column.column_name


def test_date_buckets_match_python(data) -> None:
    frame, profiles = data
    days = [d for d in frame["day"] if d is not None and not pd.isna(d)]
    column = profiles["exact"].column("day")
    year_ago = dt.date(RUN_DATE.year - 1, RUN_DATE.month, RUN_DATE.day)
    assert column.number("before_1yr_date_ct") == sum(d < year_ago for d in days)
    assert column.number("future_date_ct") == sum(d > RUN_DATE for d in days)
    assert column.number("within_1mo_date_ct") == sum(
        RUN_DATE - dt.timedelta(days=30) <= d <= RUN_DATE for d in days
    )
    assert column.number("date_days_present") == len(set(days))
    assert column.number("date_months_present") == len({(d.year, d.month) for d in days})
    assert column.text("min_date") == min(days).isoformat()


def test_boolean_counts_and_top_values(data) -> None:
    frame, profiles = data
    flags = frame["flag"].dropna()
    column = profiles["exact"].column("flag")
    assert column.number("boolean_true_ct") == (flags == True).sum()  # noqa: E712
    assert column.number("boolean_false_ct") == (flags == False).sum()  # noqa: E712
    text = profiles["exact"].column("text")
    counts = frame["text"].dropna().value_counts()
    expected = sorted(((k, int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert text.top_values == expected


def test_text_scan_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values scanned row by row (mostly unique) and grouped (repeating) give the same text metrics."""
    from lakerun.quality import profiler

    monkeypatch.setattr(profiler, "ROW_WISE_MIN_VALUES", 0)
    repeated = ["Alpha", " beta", "", "N/A", "a@b.com"] * 40
    grouped = profile_tables({"t": {"v": repeated}}, exact_distinct=True)[0].column("v")
    unique = profile_tables({"t": {"v": repeated[:5]}}, exact_distinct=True)[0].column("v")
    assert grouped.metrics["distinct_is_exact"] and "distinct_std_value_ct" not in unique.metrics
    for name in (
        "zero_length_ct",
        "lead_space_ct",
        "filled_value_ct",
        "pattern_EMAIL_ct",
        "upper_case_ct",
        "non_alpha_ct",
    ):
        assert grouped.number(name) == unique.number(name) * 40, name


def test_sampling_scales_counts_and_records_ratio() -> None:
    table = {"v": [f"x{i % 7}" if i % 10 else "" for i in range(20000)]}
    profile = profile_tables({"t": table}, sample_percent=20)[0]
    assert 0.15 < profile.sample_ratio < 0.25
    assert profile.record_ct == pytest.approx(20000, rel=0.02)
    assert profile.column("v").number("zero_length_ct") == pytest.approx(2000, rel=0.15)
    assert profile.column("v").number("distinct_value_ct") <= 8, "distinct counts are not scaled"


def test_unknown_column_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="nope"):
        profile_tables({"t": {"v": [1]}}, columns=("nope",))


def test_no_column_cap() -> None:
    wide = {f"c{i}": [i, i + 1] for i in range(60)}
    profile = profile_tables({"t": wide})[0]
    assert [c.column_name for c in profile.columns] == list(wide)
    assert all(c.number("value_ct") == 2 for c in profile.columns)


def test_large_distinct_counts_are_hash_sampled_within_a_percent() -> None:
    """Over 500,000 distinct spread-out numbers DuckDB counts a hash residue class (labelled approximate);
    integers of a compact range are counted exactly in a bitmap, few values exactly."""
    values = pa.array(range(700_000), pa.int64())
    spread = pc.multiply(values, 1_000_003)
    table = pa.table(
        {"big": spread, "dense": values, "fraction": pc.divide(pc.cast(spread, pa.float64()), 7.0)}
    )
    profile = profile_tables({"t": table.append_column("small", pc.divide(values, 100))})[0]
    for name in ("big", "fraction"):
        column = profile.column(name)
        assert not column.metrics["distinct_is_exact"], name
        assert abs(column.number("distinct_value_ct") - 700_000) / 700_000 < 0.01, name
    dense, small = profile.column("dense"), profile.column("small")
    assert dense.metrics["distinct_is_exact"] and dense.number("distinct_value_ct") == 700_000
    assert small.metrics["distinct_is_exact"] and small.number("distinct_value_ct") == 7000
    assert profile.duplicate_row_ct == 0


def test_dense_integers_with_a_repeat_are_counted_exactly() -> None:
    """The bitmap count sees a single repeated value among 700,000 (a hash estimate could not)."""
    values = list(range(700_000))
    values[123_456] = 654_321
    profile = profile_tables({"t": {"n": values}})[0]
    column = profile.column("n")
    assert column.metrics["distinct_is_exact"] and column.number("distinct_value_ct") == 699_999


def test_large_unique_text_samples_its_regex_work_and_keeps_the_rest_exact() -> None:
    """A large, mostly unique text column: lengths, blanks and min/max exact over every row; placeholder and
    case counts from a row sample (scaled, the share recorded); duplicates found on one hash class."""
    rows = 600_000
    values = [f"key{i:07d}z" for i in range(rows)]
    for i in range(0, rows, 50):  # 2% placeholders
        values[i] = "N/A"
    for i in range(1, 6001, 3):  # 2,000 values repeated three times
        values[i] = values[i + 1] = values[i + 2] = f"twin{i}"
    values[7] = ""
    profile = profile_tables({"t": {"v": values}})[0]
    column = profile.column("v")
    ratio = column.number("text_sample_ratio")
    assert 0.1 < ratio < 0.25, ratio
    assert column.number("zero_length_ct") == 1
    assert column.number("max_length") == 11
    assert column.text("max_text") == max(values)
    assert column.number("filled_value_ct") == pytest.approx(rows / 50, rel=0.15)
    assert column.number("lower_case_ct") == pytest.approx(rows - rows / 50 - 1, rel=0.01)
    top = max(Counter(values).values())
    assert 3 <= column.number("top_freq_ct") <= top, "a lower bound: exact for the values of the class"
    from lakerun.quality.profiler import TEXT_CLASS_VALUES

    assert column.number("top_freq_sample_ratio") == round(1 / (rows // TEXT_CLASS_VALUES), 6)
    expected_distinct = len(set(values))
    assert not column.metrics["distinct_is_exact"]
    assert abs(column.number("distinct_value_ct") - expected_distinct) / expected_distinct < 0.02
    assert "distinct_std_value_ct" not in column.metrics
    assert sum(n for _, n in column.top_patterns) == pytest.approx(rows - 1, rel=0.02)
