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
    AnomalyType(
        id="2005",
        anomaly_type="Missing_Values",
        data_object="Column",
        name="Missing Values",
        description="More than 3% of records have no real value (null, empty or a placeholder).",
        likelihood="Likely",
        dimension="Completeness",
        risk=0.66,
        rule=lambda c: when(
            c.record_ct > 0 and missing(c) > SMALL_MISSING_SHARE,
            f"Missing: {missing(c):.1%} of {c.record_ct:.0f} records",
        ),
        prevalence=missing,
    ),
    AnomalyType(
        id="2006",
        anomaly_type="Outliers",
        data_object="Column",
        name="Numeric Outliers",
        description="Values beyond p25 - 3 IQR or p75 + 3 IQR (Tukey's far-out fences).",
        likelihood="Likely",
        dimension="Accuracy",
        risk=0.66,
        rule=lambda c: when(
            _outliers(c) > 0,
            f"Outliers: {_outliers(c):.0f} {_fences_text(c)}, min {c.number('min_value'):.6g}, max {c.number('max_value'):.6g}",
        ),
        prevalence=lambda c: _records(_outliers(c), c),
    ),
    AnomalyType(
        id="2007",
        anomaly_type="Sentinel_Values",
        data_object="Column",
        name="Sentinel Values",
        description="Values such as 999 or 99999 standing for unknown, far outside the real range.",
        likelihood="Likely",
        dimension="Accuracy",
        risk=1.0,
        rule=lambda c: when(
            _sentinels(c) > 0, f"Sentinel values (999...): {_sentinels(c):.0f} {_fences_text(c)}"
        ),
        prevalence=lambda c: _records(_sentinels(c), c),
    ),
    AnomalyType(
        id="2008",
        anomaly_type="Impossible_Negatives",
        data_object="Column",
        name="Impossible Negative Values",
        description="Negative values in a column that counts or measures something.",
        likelihood="Likely",
        dimension="Accuracy",
        risk=1.0,
        rule=lambda c: when(
            c.general_type == "N" and c.number("negative_value_ct") > 0 and name_like(c, NON_NEGATIVE_NAMES),
            f"Negative values: {c.number('negative_value_ct'):.0f}, min {c.number('min_value'):.6g}",
        ),
        prevalence=lambda c: _records(c.number("negative_value_ct"), c),
    ),
    AnomalyType(
        id="2009",
        anomaly_type="Inconsistent_Case_Codes",
        data_object="Column",
        name="Same Value in Several Casings",
        description="One value written in different casings (PARIS, Paris).",
        likelihood="Likely",
        dimension="Consistency",
        risk=0.66,
        rule=lambda c: when(
            is_text(c) and _casing_variants(c) > 0, f"Values in a minority casing: {_casing_variants(c):.0f}"
        ),
        prevalence=lambda c: _records(_casing_variants(c), c),
    ),
    AnomalyType(
        id="2010",
        anomaly_type="Mixed_Value_Types",
        data_object="Column",
        name="Numbers and Words Mixed",
        description="A text column holding both numbers and words, neither rare (3-95% numbers).",
        likelihood="Likely",
        dimension="Consistency",
        risk=0.66,
        rule=lambda c: when(
            is_text(c)
            and not c.functional_data_type.startswith("ID")
            and c.functional_data_type not in ("Address", "Description")
            and SMALL_MISSING_SHARE <= share(c, "numeric_ct") <= 0.95
            and _mixed_types(c) > 0,
            f"Numeric values: {c.number('numeric_ct'):.0f} of {real_values(c):.0f} real values",
        ),
        prevalence=lambda c: _records(_mixed_types(c), c),
    ),
    AnomalyType(
        id="2011",
        anomaly_type="Constant_Column",
        data_object="Column",
        name="Constant Column",
        description="Every value is the same (ydata-profiling's CONSTANT).",
        likelihood="Possible",
        dimension=None,
        risk=None,
        rule=lambda c: when(
            c.record_ct > 1 and c.number("distinct_value_ct") == 1 and c.number("value_ct") == c.record_ct,
            "One distinct value",
        ),
    ),
    AnomalyType(
        id="2012",
        anomaly_type="Skewed",
        data_object="Column",
        name="Heavily Skewed",
        description="Skewness beyond 20 in absolute value (ydata-profiling's SKEWED).",
        likelihood="Possible",
        dimension=None,
        risk=None,
        rule=lambda c: when(abs(c.number("skewness")) > SKEW_LIMIT, f"Skewness: {c.number('skewness'):.4g}"),
    ),
    AnomalyType(
        id="2013",
        anomaly_type="High_Cardinality",
        data_object="Column",
        name="High Cardinality",
        description="A text column with more than 50 distinct values that is not unique (ydata-profiling's HIGH_CARDINALITY).",
        likelihood="Possible",
        dimension=None,
        risk=None,
        rule=lambda c: when(
            is_text(c) and HIGH_CARDINALITY < c.number("distinct_value_ct") < c.number("value_ct"),
            f"Distinct values: {c.number('distinct_value_ct'):.0f}",
        ),
    ),
    AnomalyType(
        id="2014",
        anomaly_type="Zeros",
        data_object="Column",
        name="Many Zeros",
        description="More than 1% of the numeric values are 0 (ydata-profiling's ZEROS).",
        likelihood="Possible",
        dimension=None,
        risk=None,
        rule=lambda c: when(
            c.general_type == "N" and share(c, "zero_value_ct") > ZERO_SHARE,
            f"Zeros: {share(c, 'zero_value_ct'):.1%} of values",
        ),
    ),
)
"""Scored types feed completeness, accuracy and consistency; the four ydata alerts are listed only."""
