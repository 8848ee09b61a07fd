"""Text recognisers used by the profiler, written once as portable regexes and character sets.

Regexes use only bracket classes (no backslashes, no look-arounds) so that DuckDB (RE2), Spark (Java)
and PostgreSQL (POSIX ARE) read them the same way; they are matched against `lower(trim(value))`
unless noted.
"""

from __future__ import annotations

NON_PRINTING_CHARS = "\u00a0\u2009\u200b\u200c\u200d\u200e\u200f\u202f\u3000\ufeff"
"""TestGen's ten non-printing code points: NBSP, thin space, zero-width chars, LRM/RLM, narrow NBSP, ideographic space, BOM."""

DELIMITERS = ",|^\t"
"""Characters that make a value look like embedded delimited data when three or more appear."""

PLACEHOLDER = (
    "^([-.? ]+|0{2,}|9{2,}|x{2,}|z{2,}"
    "|(blank|error|missing|tbd|n/a|#na|none|null|nan|unknown|undefined|empty|dummy|test|na))$"
)
"""Dummy values (TestGen's `0{2,}|9{2,}|x{2,}|z{2,}` runs of one repeated character, not mixes such as `90`);
matched after removing brackets, so `(none)` and `[null]` count too."""

PLACEHOLDER_SYMBOL_STARTS = "()[]-.?09xz"
PLACEHOLDER_WORD_STARTS = "bemtn#ud"
PLACEHOLDER_WORD_MAX_LENGTH = 13
"""A cheap guard before the PLACEHOLDER regex: a value it matches (trimmed, brackets still on) starts with a
symbol start, or with a word start and is at most this long (the longest word, `undefined`, in two brackets)."""

NUMERIC = "^[-+]?[$]?([0-9]+([,][0-9]{3})*([.][0-9]*)?|[.][0-9]+)[ ]?%?$"
"""A number written as text: sign, currency, thousands separators, decimals, percent."""

NUMBER_WITH_UNIT = "^[-+]?[0-9][0-9,]*([.][0-9]+)? ?(%|lbs?|oz|kg|g|mg|km|m|cm|mm|mi|ft|in)$"
"""A number followed by a unit of measure (TestGen's Char_Column_Number_Units)."""

_YEAR = "(18|19|20|21)[0-9]{2}"
_MONTH = "(0[1-9]|1[0-2])"
_DAY = "(0[1-9]|[12][0-9]|3[01])"
_MONTH_NAME = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_TIME = "[0-2][0-9]:[0-5][0-9](:[0-5][0-9]([.,][0-9]+)?)?"
_ZONE = "(z|[+-][0-2][0-9](:?[0-5][0-9])?)"
ISO_DATE = f"^{_YEAR}[-/]{_MONTH}[-/]{_DAY}([ t]{_TIME} ?{_ZONE}?)?$"
"""ISO-8601 dates and timestamps (`T` or space, fractions, `Z` or an offset) and `yyyy/mm/dd`."""
COMPACT_DATE = f"^{_YEAR}{_MONTH}{_DAY}$"
DAY_FIRST_DATE = f"^(1[3-9]|2[0-9]|3[01])[/.-](0?[1-9]|1[0-2])[/.-]{_YEAR}( {_TIME})?$"
"""`dd/mm/yyyy` where the first part cannot be a month (13-31); 01-12 first reads as TestGen's `mm/dd/yyyy`."""
MONTH_FIRST_DATE = f"^(0?[1-9]|1[0-2])[/-](0?[1-9]|[12][0-9]|3[01])[/-]([0-9]{{2}}|{_YEAR})( {_TIME})?$"
DATE_LIKE = (
    f"({ISO_DATE}|{COMPACT_DATE}|{DAY_FIRST_DATE}|{MONTH_FIRST_DATE}"
    f"|^(0?[1-9]|[12][0-9]|3[01]) {_MONTH_NAME},? {_YEAR}$)"
)
"""Dates as text: TestGen's formats (yyyyMMdd, yyyy-MM-dd, MM/dd/yyyy, MM-dd-yy, dd MMM yyyy, timestamps)
plus ISO-8601 with `T`, `Z` or an offset, `yyyy/mm/dd` and `dd/mm/yyyy` (years guarded to 1800-2199)."""

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "DC",
    "PR",
    "GU",
    "VI",
    "AS",
    "MP",
]

STANDARD_PATTERNS: dict[str, tuple[str, float]] = {
    "STREET_ADDR": (
        "^[0-9]+[a-z]? +[a-z0-9 .]+ (st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|ln|lane|way"
        "|ct|court|pl|place|pkwy|parkway|hwy|highway|cir|circle|ter|terrace)[.]?( .*)?$",
        0.8,
    ),
    "STATE_USA": ("^(" + "|".join(s.lower() for s in US_STATES) + ")$", 0.9),
    "PHONE_USA": ("^([+]?1[-. ]?)?[(]?[0-9]{3}[)]?[-. ]?[0-9]{3}[-. ]?[0-9]{4}$", 0.9),
    "EMAIL": ("^[a-z0-9._%+-]+@[a-z0-9.-]+[.][a-z]{2,}$", 0.9),
    "ZIP_USA": ("^[0-9]{5}(-?[0-9]{4})?$", 0.9),
    "FILE_NAME": (
        "^[a-z0-9_ -]+[.](txt|csv|tsv|json|xml|pdf|docx?|xlsx?|png|jpe?g|gif|parquet|zip|gz)$",
        0.9,
    ),
    "CREDIT_CARD": ("^[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{1,4}$", 0.8),
    "SSN": ("^[0-9]{3}-[0-9]{2}-[0-9]{4}$", 0.9),
}
"""Standard value patterns in TestGen's precedence order, each with the share of values it must reach."""

LOWER_LETTERS = "abcdefghijklmnopqrstuvwxyz"
UPPER_LETTERS = LOWER_LETTERS.upper()
DIGITS = "0123456789"
PATTERN_CLASSES = (("[a-z]", "a"), ("[A-Z]", "A"), ("[0-9]", "N"))
"""TestGen's character-class mask (a, A, N), applied in this order as global regex replacements (about twice
as fast as TRANSLATE in DuckDB, and the same masks everywhere: the replacements never touch each other)."""

STANDARDIZE_REMOVE = " '\",.-"
"""Characters dropped (after upper-casing) to count standardized distinct values."""


def standard_pattern_match(counts: dict[str, float], value_ct: float) -> str:
    """The first standard pattern whose share of non-null values reaches its threshold, or ''."""
    if value_ct <= 0:
        return ""
    for name, (_, threshold) in STANDARD_PATTERNS.items():
        if counts.get(name, 0.0) / value_ct > threshold:
            return name
    if counts.get("DELIMITED_DATA", 0.0) / value_ct > 0.8:
        return "DELIMITED_DATA"
    return ""
