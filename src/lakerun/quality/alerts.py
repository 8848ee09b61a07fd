"""lakerun's own column types: the alerts users know from ydata-profiling, and rules that let completeness,
consistency and accuracy move with the data (TestGen's catalogue scores them only in narrow bands).

Scored types carry a prevalence (the share of records affected), so their dimension falls as the
problem spreads; alerts with no risk factor are listed and never scored.
"""

from __future__ import annotations

from lakerun.quality.anomaly_type import AnomalyType, is_text, name_like, real_values, share, when
from lakerun.quality.profile import ColumnProfile
from lakerun.quality.shape import fences

SMALL_MISSING_SHARE = 0.03
"""Up to this share TestGen's Small_Missing_Value_Ct applies; above it, Missing_Values."""
SKEW_LIMIT = 20.0
"""ydata-profiling's skewness_threshold."""
HIGH_CARDINALITY = 50
"""ydata-profiling's cardinality_threshold for text columns."""
ZERO_SHARE = 0.01
"""ydata-profiling's ZEROS alert: more than this share of values are 0."""
NON_NEGATIVE_NAMES = (
    r"(^|_)(count|cnt|ct|qty|quantity|num|number|seats|age|population|price|amount|distance|duration"
    r"|weight|height|length|size|passengers|units|stock|miles|km)($|_|s$)|_count$|^n_"
)
"""Column names whose values cannot be negative (a count, a quantity, a size, an age, a price)."""


def missing(c: ColumnProfile) -> float:
    """Share of records with no real value: null, empty or a placeholder."""
    return (c.record_ct - real_values(c)) / c.record_ct if c.record_ct else 0.0


def _outliers(c: ColumnProfile) -> float:
    """Values beyond the fences, sentinels left to their own type."""
    found = c.number("outlier_low_ct") + c.number("outlier_high_ct") - _sentinels(c)
    return max(found, 0.0)


def _sentinels(c: ColumnProfile) -> float:
    """999... values standing out beyond the fences (a legitimate 999 inside the range is not one)."""
    bounds = fences(c)
    if bounds is None or c.number("sentinel_value_ct") <= 0:
        return 0.0
    beyond = c.number("max_value") > bounds[1] and c.number("max_value") >= 999
    beyond = beyond or (c.number("min_value") < bounds[0] and c.number("min_value") <= -999)
    return c.number("sentinel_value_ct") if beyond else 0.0


def _casing_variants(c: ColumnProfile) -> float:
    """Records whose value, among the top values, is a minority casing of another (Paris, PARIS, paris)."""
    groups: dict[str, list[int]] = {}
    for value, count in c.top_values:
        groups.setdefault(value.strip().lower(), []).append(count)
    return float(sum(sum(counts) - max(counts) for counts in groups.values() if len(counts) > 1))


def _mixed_types(c: ColumnProfile) -> float:
    """Records in the minority kind of a text column holding both numbers and words."""
    numbers, real = c.number("numeric_ct"), real_values(c)
    return min(numbers, max(real - numbers, 0.0))


def _records(count: float, c: ColumnProfile) -> float:
    return count / c.record_ct if c.record_ct else 0.0


def _fences_text(c: ColumnProfile) -> str:
    bounds = fences(c)
    return f"outside [{bounds[0]:.6g}, {bounds[1]:.6g}]" if bounds else ""


ALERT_TYPES: tuple[AnomalyType, ...] = (
    AnomalyType("2005", "Missing_Values", "Column", "Missing Values", "More than 3% of records have no real value (null, empty or a placeholder).", "Likely", "Completeness", 0.66,
                lambda c: when(c.record_ct > 0 and missing(c) > SMALL_MISSING_SHARE, f"Missing: {missing(c):.1%} of {c.record_ct:.0f} records"), missing),
    AnomalyType("2006", "Outliers", "Column", "Numeric Outliers", "Values beyond p25 - 3 IQR or p75 + 3 IQR (Tukey's far-out fences).", "Likely", "Accuracy", 0.66,
                lambda c: when(_outliers(c) > 0, f"Outliers: {_outliers(c):.0f} {_fences_text(c)}, min {c.number('min_value'):.6g}, max {c.number('max_value'):.6g}"),
                lambda c: _records(_outliers(c), c)),
    AnomalyType("2007", "Sentinel_Values", "Column", "Sentinel Values", "Values such as 999 or 99999 standing for unknown, far outside the real range.", "Likely", "Accuracy", 1.0,
                lambda c: when(_sentinels(c) > 0, f"Sentinel values (999...): {_sentinels(c):.0f} {_fences_text(c)}"),
                lambda c: _records(_sentinels(c), c)),
    AnomalyType("2008", "Impossible_Negatives", "Column", "Impossible Negative Values", "Negative values in a column that counts or measures something.", "Likely", "Accuracy", 1.0,
                lambda c: when(c.general_type == "N" and c.number("negative_value_ct") > 0 and name_like(c, NON_NEGATIVE_NAMES),
                               f"Negative values: {c.number('negative_value_ct'):.0f}, min {c.number('min_value'):.6g}"),
                lambda c: _records(c.number("negative_value_ct"), c)),
    AnomalyType("2009", "Inconsistent_Case_Codes", "Column", "Same Value in Several Casings", "One value written in different casings (PARIS, Paris).", "Likely", "Consistency", 0.66,
                lambda c: when(is_text(c) and _casing_variants(c) > 0, f"Values in a minority casing: {_casing_variants(c):.0f}"),
                lambda c: _records(_casing_variants(c), c)),
    AnomalyType("2010", "Mixed_Value_Types", "Column", "Numbers and Words Mixed", "A text column holding both numbers and words, neither rare (3-95% numbers).", "Likely", "Consistency", 0.66,
                lambda c: when(is_text(c) and not c.functional_data_type.startswith("ID") and c.functional_data_type not in ("Address", "Description")
                               and SMALL_MISSING_SHARE <= share(c, "numeric_ct") <= 0.95 and _mixed_types(c) > 0,
                               f"Numeric values: {c.number('numeric_ct'):.0f} of {real_values(c):.0f} real values"),
                lambda c: _records(_mixed_types(c), c)),
    AnomalyType("2011", "Constant_Column", "Column", "Constant Column", "Every value is the same (ydata-profiling's CONSTANT).", "Possible", None, None,
                lambda c: when(c.record_ct > 1 and c.number("distinct_value_ct") == 1 and c.number("value_ct") == c.record_ct, "One distinct value")),
    AnomalyType("2012", "Skewed", "Column", "Heavily Skewed", "Skewness beyond 20 in absolute value (ydata-profiling's SKEWED).", "Possible", None, None,
                lambda c: when(abs(c.number("skewness")) > SKEW_LIMIT, f"Skewness: {c.number('skewness'):.4g}")),
    AnomalyType("2013", "High_Cardinality", "Column", "High Cardinality", "A text column with more than 50 distinct values that is not unique (ydata-profiling's HIGH_CARDINALITY).", "Possible", None, None,
                lambda c: when(is_text(c) and HIGH_CARDINALITY < c.number("distinct_value_ct") < c.number("value_ct"), f"Distinct values: {c.number('distinct_value_ct'):.0f}")),
    AnomalyType("2014", "Zeros", "Column", "Many Zeros", "More than 1% of the numeric values are 0 (ydata-profiling's ZEROS).", "Possible", None, None,
                lambda c: when(c.general_type == "N" and share(c, "zero_value_ct") > ZERO_SHARE, f"Zeros: {share(c, 'zero_value_ct'):.1%} of values")),
)  # fmt: skip
"""Scored types feed completeness, accuracy and consistency; the four ydata alerts are listed only."""
