"""The anomaly catalogue as data: TestGen's 32 hygiene types plus lakerun's alerts, table and drift types.

Each type carries its likelihood, data-quality dimension, risk factor and prevalence formula in one
place; column rules read only the stored profile, so detection is the same whatever engine profiled.
A rule returns the evidence (detail) when the anomaly is present and None otherwise.
"""

from __future__ import annotations

from lakerun.quality.alerts import ALERT_TYPES
from lakerun.quality.anomaly_type import (
    AnomalyType,
    is_text,
    name_like,
    per_record,
    real_values,
    share,
    when,
)
from lakerun.quality.profile import ColumnProfile
from lakerun.quality.semantics import NAME_ADDRESS_TYPES, PERSON_NAME_TYPES
from lakerun.quality.variants import variant_set_hit, variant_share


def _top_pattern_ct(c: ColumnProfile) -> float:
    return float(c.top_patterns[0][1]) if c.top_patterns else 0.0


def _non_standard_blanks(c: ColumnProfile) -> str | None:
    numeric_only = c.number("numeric_ct") >= c.number("value_ct") and c.functional_data_type not in (
        "Phone",
        "Zip",
    )
    dummies = c.number("filled_value_ct") > 0 and not numeric_only
    return when(
        is_text(c) and (c.number("zero_length_ct") > 0 or dummies),
        f"Empty values: {c.number('zero_length_ct'):.0f}, dummy values: {c.number('filled_value_ct'):.0f}",
    )


def _invalid_zip(c: ColumnProfile) -> str | None:
    valid = {"NNNNN", "NNNNN-NNNN", "NNNNNNNNN"}
    odd = [p for p, _ in c.top_patterns if p not in valid]
    bad = c.general_type == "N" or c.number("filled_value_ct") > 0 or bool(odd)
    return when(
        c.functional_data_type == "Zip" and c.number("value_ct") > 0 and bad,
        f"Patterns: {', '.join(odd) or 'numeric type'}",
    )


def _pattern_mismatch(c: ColumnProfile) -> str | None:
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


def _boolean_mismatch(c: ColumnProfile) -> str | None:
    values = {v.strip().lower() for v, _ in c.top_values}
    lopsided = [(a, b) for a, b in (("true", "false"), ("yes", "no")) if (a in values) != (b in values)]
    return when(c.number("distinct_value_ct") > 1 and bool(lopsided), f"Values: {', '.join(sorted(values))}")


def _only_casing(c: ColumnProfile, gap: float) -> bool:
    """Whether the top values hold every distinct value and casing alone explains the standardization gap
    (then it is a consistency matter, reported as Inconsistent_Case_Codes, not a uniqueness one)."""
    if len(c.top_values) < c.number("distinct_value_ct"):
        return False
    by_case = {v.strip().lower() for v, _ in c.top_values}
    return len(c.top_values) - len(by_case) >= gap


def _standardized_matches(c: ColumnProfile) -> str | None:
    distinct, standardized = c.number("distinct_value_ct"), c.number("distinct_std_value_ct")
    if _only_casing(c, distinct - standardized):
        return None
    margin = 1.0 if c.metrics.get("distinct_is_exact", True) else 0.95
    return when(
        is_text(c)
        and c.functional_data_type not in PERSON_NAME_TYPES
        and 0 < standardized < distinct * margin,
        f"Distinct values: {distinct:.0f}, after standardizing: {standardized:.0f}",
    )


def _unlikely_dates(c: ColumnProfile) -> str | None:
    low, high = c.text("min_date")[:10], c.text("max_date")[:10]
    limit = c.text("max_likely_date")
    return when(
        c.general_type == "D"
        and bool(low)
        and ("0001-01-02" <= low < "1900-01-01" or (bool(limit) and high > limit)),
        f"Date range: {low} to {high}",
    )


def _non_alpha_prefixed(c: ColumnProfile) -> str | None:
    first = c.text("min_text")[:1]
    return when(
        c.functional_data_type in PERSON_NAME_TYPES | {"City"}
        and bool(first)
        and not first.isalpha()
        and first not in "'\" ",
        f"Minimum value: {c.text('min_text')}",
    )


def _pii_risk(flag: str) -> float:
    return {"A": 1.0, "B": 0.66, "C": 0.33}.get(flag[:1], 0.0)


COLUMN_TYPES: tuple[AnomalyType, ...] = (
    AnomalyType("1001", "Suggested_Type", "Column", "Suggested Data Type", "Text column whose values all fit a narrower type.", "Likely", None, None,
                lambda c: when(bool(c.datatype_suggestion) and c.functional_data_type not in ("Flag", "Boolean"), f"Suggested: {c.datatype_suggestion}")),
    AnomalyType("1002", "Non_Standard_Blanks", "Column", "Non-Standard Blank Values", "Empty strings or placeholder values standing in for nulls.", "Definite", "Completeness", 1.0,
                _non_standard_blanks, per_record("filled_value_ct", "zero_length_ct")),
    AnomalyType("1003", "Invalid_Zip_USA", "Column", "Invalid USA Zip Code Format", "Zip column with non-zip patterns, dummies or a numeric type.", "Definite", "Validity", 1.0, _invalid_zip),
    AnomalyType("1004", "Multiple_Types_Minor", "Multi-Col", "Multiple Data Types per Column Name - Minor", "Same column name, same general type, different exact types.", "Possible", "Consistency", 0.33,
                None, lambda c: 1.0),
    AnomalyType("1005", "Multiple_Types_Major", "Multi-Col", "Multiple Data Types per Column Name - Major", "Same column name, different general types.", "Likely", "Consistency", 0.66,
                None, lambda c: 1.0),
    AnomalyType("1006", "No_Values", "Column", "No Column Values Present", "Every record is null, empty or a placeholder.", "Possible", "Completeness", 0.33,
                lambda c: when(c.record_ct > 0 and real_values(c) <= 0, "No real values in any record"), lambda c: 1.0),
    AnomalyType("1007", "Column_Pattern_Mismatch", "Column", "Pattern Inconsistency Within Column", "A few values follow a different character pattern.", "Likely", "Validity", 0.66,
                _pattern_mismatch, lambda c: (c.record_ct - _top_pattern_ct(c)) / c.record_ct if c.record_ct else 0.0),
    AnomalyType("1008", "Table_Pattern_Mismatch", "Multi-Col", "Pattern Inconsistency Across Tables", "Same-named columns with different single patterns.", "Likely", "Validity", None),
    AnomalyType("1009", "Leading_Spaces", "Column", "Leading Spaces Found in Column Values", "Values start with a space.", "Likely", "Validity", 0.66,
                lambda c: when(c.number("lead_space_ct") > 0, f"Cases found: {c.number('lead_space_ct'):.0f}"), per_record("lead_space_ct")),
    AnomalyType("1010", "Quoted_Values", "Column", "Quoted Values Found in Column Values", "Values wrapped in quotes.", "Likely", "Validity", 0.66,
                lambda c: when(c.number("quoted_value_ct") > 0, f"Cases found: {c.number('quoted_value_ct'):.0f}"), per_record("quoted_value_ct")),
    AnomalyType("1011", "Char_Column_Number_Values", "Column", "Character Column with Mostly Numeric Values", "Text column holding numbers, with a few exceptions.", "Likely", "Validity", 0.66,
                lambda c: when(is_text(c) and not name_like(c, "zip") and not c.functional_data_type.startswith("ID")
                                and 0.95 < share(c, "numeric_ct") < 1, f"Numeric values: {c.number('numeric_ct'):.0f} of {c.number('value_ct'):.0f}"),
                per_record("numeric_ct")),
    AnomalyType("1012", "Char_Column_Date_Values", "Column", "Character Column with Mostly Date Values", "Text column holding dates, with a few exceptions.", "Likely", "Validity", 0.66,
                lambda c: when(is_text(c) and 0.95 < share(c, "date_ct") < 1, f"Date values: {c.number('date_ct'):.0f} of {c.number('value_ct'):.0f}"),
                per_record("date_ct")),
    AnomalyType("1013", "Small_Missing_Value_Ct", "Column", "Small Percentage of Missing Values Found", "A few records miss a value the others have.", "Possible", "Completeness", 0.33,
                lambda c: when(c.record_ct > 0 and 0.97 < real_values(c) / c.record_ct < 1, f"Missing: {c.record_ct - real_values(c):.0f} of {c.record_ct:.0f}"),
                lambda c: (c.record_ct - real_values(c)) / c.record_ct if c.record_ct else 0.0),
    AnomalyType("1014", "Small_Divergent_Value_Ct", "Column", "Small Percentage of Divergent Values Found", "Almost every value is the same; a few differ.", "Possible", "Validity", 0.33,
                lambda c: when(c.general_type != "B" and c.functional_data_type != "Flag" and bool(c.top_values) and 0.97 < share(c, "top_freq_ct") < 1,
                                f"Top value: {c.top_values[0][0] if c.top_values else ''} in {share(c, 'top_freq_ct'):.1%} of values"),
                lambda c: (c.record_ct - c.number("top_freq_ct")) / c.record_ct if c.record_ct else 0.0),
    AnomalyType("1015", "Boolean_Value_Mismatch", "Column", "Unexpected Boolean Values Found", "true without false (or yes without no) among the values.", "Likely", "Validity", 0.66, _boolean_mismatch),
    AnomalyType("1016", "Potential_Duplicates", "Column", "Potential Duplicate Values Found", "A mostly unique column whose top value repeats 2-4 times.", "Possible", "Uniqueness", 0.33,
                lambda c: when(is_text(c) and c.number("distinct_value_ct") > 1000 and 2 <= c.number("top_freq_ct") <= 4, f"Top value occurs {c.number('top_freq_ct'):.0f} times"),
                lambda c: max(c.number("value_ct") - c.number("distinct_value_ct"), 0.0) / c.record_ct if c.record_ct else 0.0),
    AnomalyType("1017", "Standardized_Value_Matches", "Column", "Similar Values Match When Standardized", "Values differ only by case, spaces or punctuation.", "Likely", "Uniqueness", 0.66,
                _standardized_matches, lambda c: share(c, "distinct_value_ct") - share(c, "distinct_std_value_ct")),
    AnomalyType("1018", "Unlikely_Date_Values", "Column", "Unlikely Dates out of Typical Range", "Dates before 1900 or more than 30 years ahead.", "Likely", "Accuracy", 0.66,
                _unlikely_dates, per_record("before_100yr_date_ct", "distant_future_date_ct")),
    AnomalyType("1019", "Recency_One_Year", "Dates", "Recency - No Table Dates within 1 Year", "The latest event date of the table is more than a year old.", "Possible", "Timeliness", 0.66,
                None, lambda c: 1.0),
    AnomalyType("1020", "Recency_Six_Months", "Dates", "Recency - No Table Dates within 6 Months", "The latest event date of the table is 6-12 months old.", "Possible", "Timeliness", 0.33,
                None, lambda c: 1.0),
    AnomalyType("1021", "Unexpected_US_States", "Column", "Unexpected Column Contains US States", "US state codes in a column not named like a state.", "Possible", "Consistency", 0.33,
                lambda c: when(share(c, "pattern_STATE_USA_ct") > 0.9 and c.number("distinct_value_ct") > 5 and not name_like(c, r"state|(^|_)st($|_)"),
                                f"US state values: {share(c, 'pattern_STATE_USA_ct'):.0%}"), per_record("pattern_STATE_USA_ct")),
    AnomalyType("1022", "Unexpected_Emails", "Column", "Unexpected Column Contains Emails", "Email addresses in a column not named like one.", "Possible", "Consistency", 0.33,
                lambda c: when(share(c, "pattern_EMAIL_ct") > 0.9 and not name_like(c, "mail|addr"), f"Email values: {share(c, 'pattern_EMAIL_ct'):.0%}"), per_record("pattern_EMAIL_ct")),
    AnomalyType("1023", "Small_Numeric_Value_Ct", "Column", "Unexpected Numeric Values Found", "A few numbers in a text column.", "Likely", "Validity", 0.66,
                lambda c: when(is_text(c) and 0 < share(c, "numeric_ct") < 0.03, f"Numeric values: {c.number('numeric_ct'):.0f}"), per_record("numeric_ct")),
    AnomalyType("1024", "Invalid_Zip3_USA", "Column", "Invalid 3-Digit Zip Code Format", "A 3-digit zip column with other patterns.", "Definite", "Validity", 1.0,
                lambda c: when(name_like(c, "zip|postal") and c.number("distinct_pattern_ct") > 1 and bool(c.top_patterns)
                                and c.top_patterns[0][0] == "NNN" and _top_pattern_ct(c) / c.number("value_ct") > 0.5, "Patterns: " + ", ".join(p for p, _ in c.top_patterns)),
                lambda c: (c.record_ct - _top_pattern_ct(c)) / c.record_ct if c.record_ct else 0.0),
    AnomalyType("1025", "Delimited_Data_Embedded", "Column", "Delimited Data Embedded in Column", "Values hold lists separated by commas, pipes, carets or tabs.", "Likely", "Validity", 0.66,
                lambda c: when(c.text("std_pattern_match") == "DELIMITED_DATA", f"Delimited values: {c.number('pattern_DELIMITED_DATA_ct'):.0f}")),
    AnomalyType("1026", "Char_Column_Number_Units", "Column", "Character Column with Numbers and Units", "Numbers stored with their unit as text.", "Possible", "Consistency", 0.33,
                lambda c: when(is_text(c) and share(c, "includes_digit_ct") > 0.5 and share(c, "number_unit_ct") > 0.5, f"Values with units: {c.number('number_unit_ct'):.0f}"), per_record("number_unit_ct")),
    AnomalyType("1027", "Variant_Coded_Values", "Variant", "Variant Codings for Same Values", "Several codings of one value (e.g. M, Male).", "Definite", "Consistency", 0.66,
                lambda c: variant_set_hit([v for v, _ in c.top_values]) if 0 < c.number("distinct_value_ct") <= 20 else None,
                lambda c: variant_share(c.top_values, c.record_ct)),
    AnomalyType("1028", "Inconsistent_Casing", "Column", "Inconsistent Casing", "Names or addresses both in mixed case and all upper case.", "Definite", "Validity", 1.0,
                lambda c: when(c.functional_data_type in NAME_ADDRESS_TYPES and c.number("mixed_case_ct") > 0 and c.number("upper_case_ct") > 0,
                                f"Mixed case: {c.number('mixed_case_ct'):.0f}, upper case: {c.number('upper_case_ct'):.0f}"),
                lambda c: min(c.number("mixed_case_ct"), c.number("upper_case_ct")) / c.record_ct if c.record_ct else 0.0),
    AnomalyType("1029", "Non_Alpha_Name_Address", "Column", "Non-Alpha Name or Address", "Names or addresses with no letters at all.", "Definite", "Validity", 1.0,
                lambda c: when(c.functional_data_type in NAME_ADDRESS_TYPES and c.number("non_alpha_ct") - c.number("zero_length_ct") > 0,
                                f"Non-alpha values: {c.number('non_alpha_ct') - c.number('zero_length_ct'):.0f}"),
                lambda c: (c.number("non_alpha_ct") - c.number("zero_length_ct")) / c.record_ct if c.record_ct else 0.0),
    AnomalyType("1030", "Non_Alpha_Prefixed_Name", "Column", "Non-Alpha Prefixed Name", "A name starting with a digit or symbol.", "Definite", "Validity", 1.0,
                _non_alpha_prefixed, lambda c: 0.25),
    AnomalyType("1031", "Non_Printing_Chars", "Column", "Non-Printing Characters", "Invisible characters (NBSP, zero-width, BOM...) inside values.", "Definite", "Validity", 1.0,
                lambda c: when(c.number("non_printing_ct") > 0, f"Cases found: {c.number('non_printing_ct'):.0f}"), per_record("non_printing_ct")),
    AnomalyType("1100", "Potential_PII", "Column", "Personally Identifiable Information", "The column probably holds personal data.", "Potential PII", "Validity", None,
                lambda c: when(bool(c.pii_flag), f"PII: {c.pii_flag} (risk {_pii_risk(c.pii_flag)})")),
)  # fmt: skip

TABLE_TYPES: tuple[AnomalyType, ...] = (
    AnomalyType("2001", "Duplicate_Rows", "Table", "Duplicate Rows", "Whole rows repeated.", "Likely", "Uniqueness", 1.0),
    AnomalyType("2002", "Empty_Table", "Table", "Empty Table", "The table (or file) has no rows: nothing to score.", "Definite", "Completeness", None),
    AnomalyType("2003", "Schema_Drift", "Table", "Schema Drift", "Columns added, removed or retyped since the previous run.", "Possible", "Consistency", 0.66),
    AnomalyType("2015", "Profile_Error", "Column", "Column Could Not Be Profiled", "A query on the column failed: it is left out of the scores.", "Definite", None, None),
    AnomalyType("2004", "Metric_Drift", "Column", "Metric Drift", "A metric moved outside the z-band of its history.", "Possible", "Consistency", 0.33),
)  # fmt: skip

ALL_COLUMN_TYPES: tuple[AnomalyType, ...] = COLUMN_TYPES + ALERT_TYPES
"""TestGen's column types and lakerun's own (ydata-style alerts and measurable consistency/accuracy rules)."""

CATALOGUE: dict[str, AnomalyType] = {t.anomaly_type: t for t in ALL_COLUMN_TYPES + TABLE_TYPES}
"""Every anomaly type by name."""
