"""What a column probably is, inferred from its name and its profile: semantic type, PII tier, type suggestion.

A small, explainable subset of TestGen's enrichment: name heuristics plus the standard-pattern match.
"""

from __future__ import annotations

import re

from lakerun.quality.profile import ColumnProfile
from lakerun.quality.textrules import standard_pattern_match

_NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"(^|_)(zip|postal|postcode)", "Zip"),
    (r"e_?mail", "Email"),
    (r"phone|mobile|(^|_)fax", "Phone"),
    (r"(^|_)(state|st)($|_)|province", "State"),
    (r"(^|_)city|town", "City"),
    (r"addr|street", "Address"),
    (r"first_?name|given_?name|(^|_)fname", "Person Given Name"),
    (r"last_?name|surname|family_?name|(^|_)lname", "Person Last Name"),
    (r"full_?name|person_?name|customer_?name|employee_?name|contact_?name", "Person Full Name"),
    (r"(^|_)name$|_name$|company|vendor|supplier", "Entity Name"),
    (r"(^|_)(id|key|sk)$|_id$|_key$|_sk$", "ID"),
)
_PATTERN_TYPES = {
    "EMAIL": "Email",
    "PHONE_USA": "Phone",
    "ZIP_USA": "Zip",
    "STATE_USA": "State",
    "STREET_ADDR": "Address",
}
_PII_BY_PATTERN = {
    "SSN": "A/ID/SSN",
    "CREDIT_CARD": "A/FINANCIAL/Card",
    "EMAIL": "B/CONTACT/Email",
    "PHONE_USA": "B/CONTACT/Phone",
}
_PII_BY_TYPE = {
    "Email": "B/CONTACT/Email",
    "Phone": "B/CONTACT/Phone",
    "Address": "B/CONTACT/Address",
    "Person Full Name": "B/ID/Name",
    "Person Given Name": "C/ID/Name",
    "Person Last Name": "B/ID/Name",
    "Zip": "C/CONTACT/Zip",
    "City": "C/CONTACT/City",
}
_PII_BY_NAME = ((r"(^|_)(ssn|social_?sec)", "A/ID/SSN"), (r"birth|(^|_)dob($|_)", "B/DEMO/Birthdate"),
                (r"salary|income|wage", "B/DEMO/Financial"), (r"passport|license", "A/ID/Document"))  # fmt: skip
PERSON_NAME_TYPES = {"Person Given Name", "Person Last Name", "Person Full Name"}
NAME_ADDRESS_TYPES = PERSON_NAME_TYPES | {"Entity Name", "Address", "City"}


def enrich(column: ColumnProfile) -> None:
    """Add derived metrics and inferred semantics to a measured column, in place."""
    if column.general_type == "A":
        _derive_text(column)
    column.functional_data_type = functional_data_type(column)
    column.pii_flag = pii_flag(column)
    column.datatype_suggestion = datatype_suggestion(column)


def _derive_text(column: ColumnProfile) -> None:
    """mixed_case_ct (TestGen's generated column) and the standard pattern match."""
    counts = ("upper_case_ct", "lower_case_ct", "non_alpha_ct")
    column.metrics["mixed_case_ct"] = int(column.number("value_ct") - sum(column.number(c) for c in counts))
    pattern_counts = {
        name.removeprefix("pattern_").removesuffix("_ct"): column.number(name)
        for name in column.metrics
        if name.startswith("pattern_")
    }
    column.metrics["std_pattern_match"] = standard_pattern_match(pattern_counts, column.number("value_ct"))


def functional_data_type(column: ColumnProfile) -> str:
    """A semantic type from the name, then the value patterns, then the general type."""
    name = column.column_name.lower()
    for regex, semantic in _NAME_RULES:
        if re.search(regex, name):
            if semantic == "ID" and column.number("distinct_value_ct") >= column.number("value_ct") > 0:
                return "ID-Unique"
            return semantic
    by_pattern = _PATTERN_TYPES.get(column.text("std_pattern_match"))
    if by_pattern:
        return by_pattern
    return _fallback_type(column)


def _fallback_type(column: ColumnProfile) -> str:
    """Types from the value profile alone."""
    distinct = column.number("distinct_value_ct")
    if column.general_type == "B" or (column.general_type in "AN" and distinct == 2):
        return "Flag"
    if column.general_type == "D":
        return "Date Stamp" if "date" in column.db_data_type else "DateTime Stamp"
    if column.general_type == "N":
        return "Measurement"
    if column.general_type == "A":
        if distinct == 1:
            return "Constant"
        if 0 < distinct <= 20:
            return "Category"
        return "Description" if column.number("avg_embedded_spaces") >= 3 else "Attribute"
    return ""


def pii_flag(column: ColumnProfile) -> str:
    """`Tier/Category/Type` with tier A (high), B (moderate), C (low); '' when nothing suggests PII."""
    name = column.column_name.lower()
    for regex, flag in _PII_BY_NAME:
        if re.search(regex, name):
            return flag
    return _PII_BY_PATTERN.get(column.text("std_pattern_match")) or _PII_BY_TYPE.get(
        column.functional_data_type, ""
    )


def datatype_suggestion(column: ColumnProfile) -> str:
    """A better type for a text column holding only numbers or only dates (TestGen: > 500 rows, not an ID)."""
    if column.general_type != "A" or column.record_ct <= 500 or column.column_name.lower().endswith("id"):
        return ""
    filled = column.number("value_ct") - column.number("zero_length_ct")
    if filled <= 0:
        return ""
    if column.number("numeric_ct") >= filled:
        return "DECIMAL(18,4)" if column.number("decimal_text_ct") else "BIGINT"
    if column.number("date_ct") >= filled:
        return "DATE"
    return ""
