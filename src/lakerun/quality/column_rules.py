"""The column rules of TestGen's hygiene types that need more than one line: each reads a stored column
profile and returns the evidence when the anomaly is present, None otherwise."""

from __future__ import annotations

from lakerun.quality.anomaly_type import TEXT_AS_NUMBER, is_text, share, when
from lakerun.quality.profile import ColumnProfile
from lakerun.quality.semantics import PERSON_NAME_TYPES


def top_pattern_ct(c: ColumnProfile) -> float:
    """Records matching the most frequent character pattern (0 with no patterns)."""
    return float(c.top_patterns[0][1]) if c.top_patterns else 0.0


def non_standard_blanks(c: ColumnProfile) -> str | None:
    """Empty strings or dummy values (outside phone and zip columns holding only numbers)."""
    numeric_only = c.number("numeric_ct") >= c.number("value_ct") and c.functional_data_type not in (
        "Phone",
        "Zip",
    )
    if c.metrics.get(TEXT_AS_NUMBER):
        return when(
            c.number("filled_value_ct") + c.number("zero_length_ct") > 0,
            f"Numbers written as text; read as missing: {c.number('zero_length_ct'):.0f} empty values,"
            f" {c.number('filled_value_ct'):.0f} dummy values",
        )
    dummies = c.number("filled_value_ct") > 0 and not numeric_only
    return when(
        is_text(c) and (c.number("zero_length_ct") > 0 or dummies),
        f"Empty values: {c.number('zero_length_ct'):.0f}, dummy values: {c.number('filled_value_ct'):.0f}",
    )


def non_standard_blank_share(c: ColumnProfile) -> float:
    """Share of records holding an empty string or a placeholder; 0 on a text column profiled as numeric,
    whose placeholders are missing values already charged once, like nulls, by the missingness alert."""
    if c.metrics.get(TEXT_AS_NUMBER) or not c.record_ct:
        return 0.0
    return (c.number("filled_value_ct") + c.number("zero_length_ct")) / c.record_ct


def invalid_zip(c: ColumnProfile) -> str | None:
    """A zip column with patterns other than 5 or 9 digits, dummies, or a numeric type."""
    valid = {"NNNNN", "NNNNN-NNNN", "NNNNNNNNN"}
    odd = [p for p, _ in c.top_patterns if p not in valid]
    bad = c.general_type == "N" or c.number("filled_value_ct") > 0 or bool(odd)
    return when(
        c.functional_data_type == "Zip" and c.number("value_ct") > 0 and bad,
        f"Patterns: {', '.join(odd) or 'numeric type'}",
    )


def pattern_mismatch(c: ColumnProfile) -> str | None:
    """A text column with 2-4 patterns where the rarest is far rarer than the most common."""
    patterns = c.top_patterns
    if not is_text(c) or c.functional_data_type in ("Measurement", "Category", "Code", "Flag", "Constant"):
        return None
    if (
        c.number("max_length") <= 3
        or share(c, "numeric_ct") > 0.95
        or not 2 <= c.number("distinct_pattern_ct") <= 4
    ):
        return None
    if not any("N" in p for p, _ in patterns) or len(patterns) < 2:
        return None
    alpha = any(ch in p for p, _ in patterns for ch in "aA")
    ratio = patterns[-1][1] / patterns[0][1]
    return when(
        ratio < (0.05 if alpha else 0.10), "Patterns: " + " | ".join(f"{p} ({n})" for p, n in patterns)
    )


def boolean_mismatch(c: ColumnProfile) -> str | None:
    """`true` without `false` (or `yes` without `no`) among the values."""
    values = {v.strip().lower() for v, _ in c.top_values}
    lopsided = [(a, b) for a, b in (("true", "false"), ("yes", "no")) if (a in values) != (b in values)]
    return when(c.number("distinct_value_ct") > 1 and bool(lopsided), f"Values: {', '.join(sorted(values))}")


def only_casing(c: ColumnProfile, gap: float) -> bool:
    """Whether the top values hold every distinct value and casing alone explains the standardization gap
    (then it is a consistency matter, reported as Inconsistent_Case_Codes, not a uniqueness one)."""
    if len(c.top_values) < c.number("distinct_value_ct"):
        return False
    by_case = {v.strip().lower() for v, _ in c.top_values}
    return len(c.top_values) - len(by_case) >= gap


def standardized_matches(c: ColumnProfile) -> str | None:
    """Fewer distinct values after standardizing, unless casing alone explains the difference."""
    distinct, standardized = c.number("distinct_value_ct"), c.number("distinct_std_value_ct")
    if only_casing(c, distinct - standardized):
        return None
    margin = 1.0 if c.metrics.get("distinct_is_exact", True) else 0.95
    return when(
        is_text(c)
        and c.functional_data_type not in PERSON_NAME_TYPES
        and 0 < standardized < distinct * margin,
        f"Distinct values: {distinct:.0f}, after standardizing: {standardized:.0f}",
    )


def unlikely_dates(c: ColumnProfile) -> str | None:
    """Dates before 1900 or after the latest likely date."""
    low, high = c.text("min_date")[:10], c.text("max_date")[:10]
    limit = c.text("max_likely_date")
    return when(
        c.general_type == "D"
        and bool(low)
        and ("0001-01-02" <= low < "1900-01-01" or (bool(limit) and high > limit)),
        f"Date range: {low} to {high}",
    )


def non_alpha_prefixed(c: ColumnProfile) -> str | None:
    """A person name or city whose smallest value starts with a digit or symbol."""
    first = c.text("min_text")[:1]
    return when(
        c.functional_data_type in PERSON_NAME_TYPES | {"City"}
        and bool(first)
        and not first.isalpha()
        and first not in "'\" ",
        f"Minimum value: {c.text('min_text')}",
    )


def pii_risk(flag: str) -> float:
    """The risk weight of a PII flag: A high, B medium, C low."""
    return {"A": 1.0, "B": 0.66, "C": 0.33}.get(flag[:1], 0.0)
