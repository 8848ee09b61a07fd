"""Anomalies that look beyond one column: across the tables of a group, across a table's date columns, across runs."""

from __future__ import annotations

import datetime as dt
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
    """Empty table, duplicate rows, recency, schema drift and metric drift of one table."""
    found: list[TableFinding] = []
    if profile.record_ct == 0:
        found.append(("Empty_Table", None, "The table has no rows", None))
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


def _recency(profile: TableProfile) -> list[TableFinding]:
    """Recency_One_Year / Recency_Six_Months on the date column holding the table's latest date."""
    dated = [
        (c.text("max_date")[:10], c) for c in profile.columns if c.general_type == "D" and c.text("max_date")
    ]
    if not dated:
        return []
    latest, column = max(dated, key=lambda pair: pair[0])
    run_date = dt.date.fromisoformat(profile.run_date)
    if latest < add_months(run_date, -12).isoformat():
        return [("Recency_One_Year", column, f"Latest date: {latest}", None)]
    if latest < add_months(run_date, -6).isoformat():
        return [("Recency_Six_Months", column, f"Latest date: {latest}", None)]
    return []


def _schema_drift(profile: TableProfile, previous: TableProfile) -> list[TableFinding]:
    """Columns added, removed or retyped since the previous profile of the same table."""
    now = {c.column_name: c.db_data_type for c in profile.columns}
    before = {c.column_name: c.db_data_type for c in previous.columns}
    changes = [f"added {n}" for n in now.keys() - before.keys()]
    changes += [f"removed {n}" for n in before.keys() - now.keys()]
    changes += [f"{n}: {before[n]} -> {now[n]}" for n in now.keys() & before.keys() if now[n] != before[n]]
    return [("Schema_Drift", None, "Schema changes: " + "; ".join(sorted(changes)), None)] if changes else []


def drift_value(column: ColumnProfile, metric: str) -> float | None:
    """The value of a drift-watched metric (shares are relative to the row count)."""
    if metric in ("null_share", "distinct_share"):
        base = column.record_ct
        raw = column.number("null_value_ct" if metric == "null_share" else "distinct_value_ct")
        return raw / base if base else None
    value = column.metrics.get(metric)
    return float(value) if isinstance(value, int | float) else None


def _metric_drift(profile: TableProfile, earlier: Sequence[TableProfile]) -> list[TableFinding]:
    """Metrics outside mean ± DRIFT_Z·sigma of their history (needs DRIFT_MIN_HISTORY earlier runs)."""
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
            if abs(current - mean) > max(DRIFT_Z * sigma, 1e-9 * max(abs(mean), 1.0)):
                found.append(
                    (
                        "Metric_Drift",
                        column,
                        f"{metric}: {current:.6g} outside {mean:.6g} ± {DRIFT_Z}sigma (sigma={sigma:.3g})",
                        None,
                    )
                )
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
