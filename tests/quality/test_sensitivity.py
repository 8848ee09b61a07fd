"""Each dimension moves with its own kind of problem and only with it.

A clean table is profiled, then the same table with one planted problem at several prevalences: the
matching dimension must fall strictly as the prevalence grows, and every other dimension must stay
exactly where the clean table put it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from lakerun.quality import QualityAssessment, evaluate
from tests.quality.conftest import RUN_DATE, profile_tables

ROWS = 400
Table = dict[str, list[Any]]
WORDS = ["excellent", "good", "bad", "average", "poor", "fine"]


def clean_table() -> Table:
    """Realistic, problem-free columns: a key, counts, a measurement, codes, words, an event date."""
    return {
        "flight_id": list(range(ROWS)),
        "seats": [100 + (i * 37) % 150 for i in range(ROWS)],
        "wind_speed": [5.0 + (i * 13) % 20 for i in range(ROWS)],
        "gender": ["M" if i % 2 else "F" for i in range(ROWS)],
        "origin": [("JFK", "LGA", "EWR")[i % 3] for i in range(ROWS)],
        "label": [f"item {i:04d} of the day, as written down" for i in range(ROWS)],
        "rating": [WORDS[i % len(WORDS)] for i in range(ROWS)],
        "departed_on": [RUN_DATE - dt.timedelta(days=i % 30) for i in range(ROWS)],
    }


def _every(share: float) -> Callable[[int], bool]:
    """Rows chosen evenly so that `share` of them are planted."""
    count = round(share * ROWS)
    step = ROWS / count
    chosen = {int(k * step) for k in range(count)}
    return lambda i: i in chosen


def planted(column: str, share: float, value: Callable[[Any], Any]) -> Table:
    table = clean_table()
    pick = _every(share)
    table[column] = [value(v) if pick(i) else v for i, v in enumerate(table[column])]
    return table


def _assess(table: Table, **kwargs: Any) -> QualityAssessment:
    return evaluate(profile_tables({"t": table}), **kwargs)


def _variant(v: str) -> str:
    return {"M": "Male", "F": "Female"}[v]


def _aged(days: int) -> Table:
    table = clean_table()
    table["departed_on"] = [d - dt.timedelta(days=days) for d in table["departed_on"]]
    return table


PLANTS: dict[str, tuple[str, Callable[[float], Table], tuple[float, ...]]] = {
    "missing values": ("completeness", lambda s: planted("label", s, lambda v: None), (0.02, 0.1, 0.5, 0.99)),
    "placeholders": ("completeness", lambda s: planted("label", s, lambda v: "N/A"), (0.02, 0.1, 0.5)),
    "variant codings": ("consistency", lambda s: planted("gender", s, _variant), (0.05, 0.1, 0.2, 0.4)),
    "casing": ("consistency", lambda s: planted("origin", s, str.lower), (0.05, 0.1, 0.2, 0.4)),
    "mixed types": ("consistency", lambda s: planted("rating", s, lambda v: str(len(v))), (0.05, 0.1, 0.2, 0.4)),
    "outliers": ("accuracy", lambda s: planted("wind_speed", s, lambda v: 1048.0), (0.01, 0.05, 0.1, 0.2)),
    "sentinels": ("accuracy", lambda s: planted("seats", s, lambda v: 99999), (0.01, 0.05, 0.1, 0.2)),
    "negative counts": ("accuracy", lambda s: planted("seats", s, lambda v: -5), (0.01, 0.05, 0.1, 0.2)),
    "emails in a label column": (
        "consistency", lambda s: planted("label", s, lambda v: f"{v.split()[1]}@example.com"), (0.92, 0.96, 1.0)
    ),
    "leading spaces": ("validity", lambda s: planted("label", s, lambda v: " " + v), (0.01, 0.1, 0.5)),
    "staleness (days)": ("timeliness", lambda days: _aged(int(days)), (200, 400, 800)),
}  # fmt: skip


def _others(result: QualityAssessment, dimension: str) -> dict[str, float]:
    """Every dimension's score but `dimension`'s."""
    return {k: v for k, v in result.dimensions.items() if k != dimension}


@pytest.fixture(scope="module")
def clean() -> QualityAssessment:
    return _assess(clean_table())


def test_clean_table_is_clean(clean: QualityAssessment) -> None:
    assert clean.score == 1.0, [a.key for a in clean.anomalies if a.scored]
    assert set(clean.dimensions.values()) == {1.0}


@pytest.mark.parametrize("problem", sorted(PLANTS))
def test_matching_dimension_falls_monotonically_and_others_stay(problem: str, clean) -> None:
    dimension, plant, prevalences = PLANTS[problem]
    scores = [clean.dimensions[dimension]]
    for prevalence in prevalences:
        result = _assess(plant(prevalence))
        others = {k: v for k, v in result.dimensions.items() if k != dimension}
        assert others == {k: v for k, v in clean.dimensions.items() if k != dimension}, (
            problem,
            prevalence,
            [a.key for a in result.anomalies if a.scored and (a.dimension or "").lower() != dimension],
        )
        assert result.score <= min(result.dimensions.values())
        scores.append(result.dimensions[dimension])
    assert all(a > b for a, b in itertools.pairwise(scores)), (problem, scores)


def test_duplicate_rows_lower_uniqueness_monotonically(clean) -> None:
    scores = [clean.dimensions["uniqueness"]]
    for share in (0.05, 0.1, 0.3):
        table = clean_table()
        copies = round(share * ROWS)
        table = {k: v[: ROWS - copies] + v[:copies] for k, v in table.items()}
        result = _assess(table)
        scores.append(result.dimensions["uniqueness"])
        assert _others(result, "uniqueness") == _others(clean, "uniqueness"), share
    assert all(a > b for a, b in itertools.pairwise(scores)), scores


def test_metric_drift_lowers_consistency_monotonically(clean) -> None:
    history = [
        profile_tables({"t": planted("wind_speed", 0.5, lambda v, k=k: v + k * 0.01)})  # type: ignore[misc]
        for k in range(4)
    ]
    scores = []
    for shift in (5.0, 20.0, 80.0):
        table = clean_table()
        table["wind_speed"] = [v + shift for v in table["wind_speed"]]
        result = _assess(table, history=history)
        assert any(a.anomaly_type == "Metric_Drift" for a in result.anomalies)
        assert _others(result, "consistency") == _others(clean, "consistency"), shift
        scores.append(result.dimensions["consistency"])
    assert 1.0 > scores[0] > scores[1] > scores[2], scores


def test_birth_dates_never_cost_timeliness() -> None:
    table = clean_table()
    table["date_of_birth"] = [dt.date(1970 + i % 30, 1, 1) for i in range(ROWS)]
    table["departed_on"] = [d - dt.timedelta(days=2000) for d in table["departed_on"]]
    result = _assess(table)
    recency = [a for a in result.anomalies if a.anomaly_type.startswith("Recency")]
    assert [a.column_name for a in recency] == ["departed_on"]


def test_schema_drift_lowers_consistency_with_each_changed_column(clean) -> None:
    previous = profile_tables({"t": clean_table()})
    scores = []
    for dropped in (1, 2, 3):
        table = clean_table()
        for column in ("label", "rating", "origin")[:dropped]:
            table[f"{column}_v2"] = table.pop(column)
        result = _assess(table, previous=previous)
        assert any(a.anomaly_type == "Schema_Drift" for a in result.anomalies)
        assert _others(result, "consistency") == _others(clean, "consistency"), dropped
        scores.append(result.dimensions["consistency"])
    assert 1.0 > scores[0] > scores[1] > scores[2], scores
