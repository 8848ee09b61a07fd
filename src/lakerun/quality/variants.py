"""Synonym sets for Variant_Coded_Values: several codings of the same value in one column (TestGen's variant_codings, abridged)."""

from __future__ import annotations

VARIANT_CODINGS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split("|"))
    for group in (
        "y|yes|t|true|1",
        "n|no|f|false|0",
        "m|male|man",
        "f|female|woman",
        "a|active|act",
        "i|inactive|inact",
        "c|closed|cls",
        "o|open|opn",
        "p|pending|pend",
        "mon|monday",
        "tue|tues|tuesday",
        "wed|wednesday",
        "thu|thur|thurs|thursday",
        "fri|friday",
        "sat|saturday",
        "sun|sunday",
        "jan|january",
        "feb|february",
        "mar|march",
        "apr|april",
        "jun|june",
        "jul|july",
        "aug|august",
        "sep|sept|september",
        "oct|october",
        "nov|november",
        "dec|december",
        "usa|us|united states|united states of america",
        "uk|gb|united kingdom|great britain",
        "kg|kgs|kilogram|kilograms",
        "lb|lbs|pound|pounds",
    )
)


def variant_set_hit(values: list[str]) -> str | None:
    """Evidence when two or more of the values are codings of the same thing, else None."""
    normalized = {v.strip().lower().rstrip(".") for v in values}
    for coding in VARIANT_CODINGS:
        hits = normalized & coding
        if len(hits) > 1:
            return "Variant codings: " + ", ".join(sorted(hits))
    return None


def variant_share(top_values: list[tuple[str, int]], records: float) -> float:
    """Share of records written in a minority coding: per synonym set hit twice or more, every coding
    but the most frequent one counts (M 40, Male 10 -> the 10 Male rows)."""
    if records <= 0:
        return 0.0
    counts: dict[str, int] = {}
    for value, count in top_values:
        key = value.strip().lower().rstrip(".")
        counts[key] = counts.get(key, 0) + count
    minority = 0
    for coding in VARIANT_CODINGS:
        hits = sorted((counts[v] for v in coding if v in counts), reverse=True)
        if len(hits) > 1:
            minority += sum(hits[1:])
    return minority / records
