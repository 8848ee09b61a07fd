"""Table groups (seed 001): pick tables by include / exclude masks, profile them as one run, compare two runs.

This is the workload half of a profile run: it runs wherever the data is (locally or inside a
Databricks task) and returns plain JSON-ready results (profiles, anomalies, scores) that a control
plane can store; `compare_runs` diffs two such results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlglot import exp

from lakerun.engines.sql import SqlEngine
from lakerun.errors import InvalidInputError
from lakerun.quality.anomalies import Disposition
from lakerun.quality.assessment import QualityAssessment, assess
from lakerun.quality.profile import TableProfile
from lakerun.quality.profiler import ProfileOptions


@dataclass(frozen=True)
class TableGroup:
    """Which tables one profile run covers: SQL LIKE masks (`%`, `_`) as in TestGen, or explicit names."""

    include: Sequence[str] = ("%",)
    exclude: Sequence[str] = ()
    tables: Sequence[str] = field(default_factory=tuple)
    """Explicit table names; when given, the masks filter these instead of the catalog."""

    def selects(self, name: str) -> bool:
        """Whether `name` passes an include mask and no exclude mask (case-insensitive)."""
        return any(_like(m, name) for m in self.include) and not any(_like(m, name) for m in self.exclude)


@lru_cache(maxsize=256)
def _mask_regex(mask: str) -> re.Pattern[str]:
    """A SQL LIKE mask as a regex: % any run, _ one character."""
    parts = ("." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in mask)
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE)


def _like(mask: str, name: str) -> bool:
    return _mask_regex(mask).match(name) is not None


def catalog_tables(engine: SqlEngine) -> list[str]:
    """Tables and views the engine's information_schema lists (DuckDB, PostgreSQL), in name order; names
    starting with `__` are lakerun's own helpers."""
    tables = exp.to_table("information_schema.tables")
    query = (
        exp.select("table_name")
        .from_(tables)
        .where(exp.column("table_schema").isin("main", "public"))
        .order_by("table_name")
    )
    names = [str(row["table_name"]) for row in engine.query(query).to_pylist()]
    return [name for name in names if not name.startswith("__")]


def group_tables(engine: SqlEngine, group: TableGroup) -> list[str]:
    """The tables of a group; an empty selection is an error naming the masks."""
    candidates: Iterable[str] = group.tables or catalog_tables(engine)
    chosen = [name for name in candidates if group.selects(name)]
    if not chosen:
        raise InvalidInputError(
            f"no table matches include {list(group.include)} / exclude {list(group.exclude)}"
        )
    return chosen


def profile_group(
    engine: SqlEngine,
    group: TableGroup,
    options: ProfileOptions | None = None,
    *,
    history: Sequence[Sequence[TableProfile]] = (),
    dispositions: Mapping[str, Disposition] | None = None,
) -> QualityAssessment:
    """Profile every table of the group, detect anomalies across them and score the run."""
    names = group_tables(engine, group)
    previous = history[-1] if history else ()
    return assess(engine, names, options, previous=previous, dispositions=dispositions, history=history)


def compare_runs(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed between two run results (`QualityAssessment.to_dict()`): scores, rows, anomalies."""
    old_keys = {a["key"]: a for a in before.get("anomalies", [])}
    new_keys = {a["key"]: a for a in after.get("anomalies", [])}
    return {
        "score": _delta(before.get("score"), after.get("score")),
        "dimensions": {
            d: _delta(before["dimensions"].get(d), v) for d, v in after.get("dimensions", {}).items()
        },
        "tables": _table_changes(before, after),
        "new_anomalies": [new_keys[k] for k in sorted(new_keys.keys() - old_keys.keys())],
        "resolved_anomalies": [old_keys[k] for k in sorted(old_keys.keys() - new_keys.keys())],
    }


def _delta(old: Any, new: Any) -> dict[str, Any]:
    change = None if old is None or new is None else round(float(new) - float(old), 6)
    return {"before": old, "after": new, "change": change}


def _table_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Per table: row count and score before/after (absent tables show None)."""
    rows = {
        side: {p["table_name"]: p["record_ct"] for p in run.get("profiles", [])}
        for side, run in (("b", before), ("a", after))
    }
    scores = {
        side: {t: s["score"] for t, s in run.get("table_scores", {}).items()}
        for side, run in (("b", before), ("a", after))
    }
    names = sorted(rows["b"].keys() | rows["a"].keys())
    return {
        name: {
            "records": _delta(rows["b"].get(name), rows["a"].get(name)),
            "score": _delta(scores["b"].get(name), scores["a"].get(name)),
        }
        for name in names
    }
