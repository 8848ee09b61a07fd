"""Anomalies that look beyond one column: across the tables of a group, across a table's date columns, across runs."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence

from lakerun.quality.metrics import add_months
from lakerun.quality.profile import ColumnProfile, TableProfile

TableFinding = tuple[str, ColumnProfile | None, str, float | None]
GroupFinding = tuple[str, str, ColumnProfile, str]

DRIFT_Z = 3.0
"""Width of the z-band (TestGen's low-sensitivity band) for run-over-run metric drift."""
DRIFT_MIN_HISTORY = 3
DRIFT_METRICS = (
    "null_share",
    "distinct_share",
    "avg_value",
    "avg_length",
    "zero_length_ct",
    "max_value",
    "min_value",
)


def table_findings(
    profile: TableProfile, previous: TableProfile | None, earlier: Sequence[TableProfile]
) -> list[TableFinding]:
    """Empty table, columns that could not be profiled, duplicate rows, recency, schema and metric drift."""
    found: list[TableFinding] = []
    if profile.record_ct == 0:
        found.append(("Empty_Table", None, "The table has no rows", None))
    found += [("Profile_Error", c, c.query_error, None) for c in profile.columns if c.query_error]
    if profile.duplicate_row_ct and profile.record_ct:
        share = profile.duplicate_row_ct / profile.record_ct
        found.append(
            ("Duplicate_Rows", None, f"Duplicate rows: {profile.duplicate_row_ct} ({share:.2%})", share)
        )
    found += _recency(profile)
    if previous is not None:
        found += _schema_drift(profile, previous)
    found += _metric_drift(profile, earlier)
    return found


NOT_EVENT_TIME = (
    r"birth|(^|_)dob($|_)|born|expir|(^|_)due|deadline|valid_(to|until|from)|effective|schedul|planned"
)
"""Date columns that say when something is due or who someone is, not when the data happened."""
RECENCY_HORIZON_DAYS = 730
"""Staleness grows with age up to this many days (prevalence 1)."""


def event_date(column: ColumnProfile) -> str:
    """The latest date (yyyy-mm-dd) of an event-time column: a date column, or text holding dates
    (>95% of values); '' for birth dates, due dates and other non-event dates."""
    if re.search(NOT_EVENT_TIME, column.column_name.lower()) or "Birthdate" in column.pii_flag:
        return ""
    if column.general_type == "D":
        return column.text("max_date")[:10]
    if column.general_type == "A" and column.number("value_ct") > 0:
        dated = column.number("date_ct") / column.number("value_ct")
        return column.text("text_max_date")[:10] if dated > 0.95 else ""
    return ""


def _recency(profile: TableProfile) -> list[TableFinding]:
    """Recency_One_Year / Recency_Six_Months on the event-time column holding the table's latest date;
    the prevalence grows with the age of that date (age / RECENCY_HORIZON_DAYS, at most 1)."""
    dated = [(event_date(c), c) for c in profile.columns if not c.query_error]
    dated = [(day, c) for day, c in dated if _is_day(day)]
    if not dated:
        return []
    latest, column = max(dated, key=lambda pair: pair[0])
    run_date = dt.date.fromisoformat(profile.run_date)
    age = (run_date - dt.date.fromisoformat(latest)).days
    prevalence = min(max(age, 0) / RECENCY_HORIZON_DAYS, 1.0)
    if latest < add_months(run_date, -12).isoformat():
        return [("Recency_One_Year", column, f"Latest event date: {latest} ({age} days old)", prevalence)]
    if latest < add_months(run_date, -6).isoformat():
        return [("Recency_Six_Months", column, f"Latest event date: {latest} ({age} days old)", prevalence)]
    return []


def _is_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _schema_drift(profile: TableProfile, previous: TableProfile) -> list[TableFinding]:
    """Columns added, removed or retyped since the previous profile of the same table."""
    now = {c.column_name: c.db_data_type for c in profile.columns}
    before = {c.column_name: c.db_data_type for c in previous.columns}
    changes = [f"added {n}" for n in now.keys() - before.keys()]
    changes += [f"removed {n}" for n in before.keys() - now.keys()]
    changes += [f"{n}: {before[n]} -> {now[n]}" for n in now.keys() & before.keys() if now[n] != before[n]]
    if not changes:
        return []
    share = len(changes) / len(now.keys() | before.keys())
    return [("Schema_Drift", None, "Schema changes: " + "; ".join(sorted(changes)), share)]


def drift_value(column: ColumnProfile, metric: str) -> float | None:
    """The value of a drift-watched metric (shares are relative to the row count)."""
    if metric in ("null_share", "distinct_share"):
        base = column.record_ct
        raw = column.number("null_value_ct" if metric == "null_share" else "distinct_value_ct")
        return raw / base if base else None
    value = column.metrics.get(metric)
    return float(value) if isinstance(value, int | float) else None


def _metric_drift(profile: TableProfile, earlier: Sequence[TableProfile]) -> list[TableFinding]:
    """Metrics outside mean ± DRIFT_Z·sigma of their history (needs DRIFT_MIN_HISTORY earlier runs); the
    prevalence 1 - band / deviation grows from 0 at the band's edge towards 1 as the metric moves away."""
    found: list[TableFinding] = []
    for column in profile.columns:
        past = [
            p.column(column.column_name)
            for p in earlier
            if column.column_name in {c.column_name for c in p.columns}
        ]
        for metric in DRIFT_METRICS:
            values = [v for v in (drift_value(c, metric) for c in past) if v is not None]
            current = drift_value(column, metric)
            if current is None or len(values) < DRIFT_MIN_HISTORY:
                continue
            mean, sigma = statistics.fmean(values), statistics.stdev(values)
            band = max(DRIFT_Z * sigma, 1e-9 * max(abs(mean), 1.0))
            if abs(current - mean) > band:
                detail = f"{metric}: {current:.6g} outside {mean:.6g} ± {DRIFT_Z}sigma (sigma={sigma:.3g})"
                found.append(("Metric_Drift", column, detail, 1.0 - band / abs(current - mean)))
    return found


def group_findings(profiles: Sequence[TableProfile]) -> list[GroupFinding]:
    """Multiple_Types_Minor/Major and Table_Pattern_Mismatch across same-named columns of different tables."""
    by_name: dict[str, list[tuple[str, ColumnProfile]]] = defaultdict(list)
    for profile in profiles:
        for column in profile.columns:
            by_name[column.column_name.lower()].append((profile.table_name, column))
    found: list[GroupFinding] = []
    for same in by_name.values():
        if len({table for table, _ in same}) < 2:
            continue
        found += _type_mismatch(same)
        found += _pattern_mismatch(same)
    return found


def _type_mismatch(same: list[tuple[str, ColumnProfile]]) -> list[GroupFinding]:
    """Same name: different general types (major) or same general type, different exact types (minor)."""
    general = {c.general_type for _, c in same}
    exact = {c.db_data_type for _, c in same}
    kind = "Multiple_Types_Major" if len(general) > 1 else "Multiple_Types_Minor" if len(exact) > 1 else ""
    if not kind:
        return []
    detail = "Types: " + ", ".join(sorted(f"{t}.{c.column_name} {c.db_data_type}" for t, c in same))
    return [(kind, table, column, detail) for table, column in same]


def _pattern_mismatch(same: list[tuple[str, ColumnProfile]]) -> list[GroupFinding]:
    """A single-pattern column whose pattern differs from a bigger same-named single-pattern column."""
    single = [(t, c) for t, c in same if c.number("distinct_pattern_ct") == 1 and c.top_patterns]
    found: list[GroupFinding] = []
    for table, column in single:
        for other_table, other in single:
            bigger = column.number("value_ct") < 0.1 * other.number("value_ct")
            if other is not column and bigger and other.top_patterns[0][0] != column.top_patterns[0][0]:
                detail = f"Pattern {column.top_patterns[0][0]} vs {other.top_patterns[0][0]} in {other_table}"
                found.append(("Table_Pattern_Mismatch", table, column, detail))
                break
    return found
