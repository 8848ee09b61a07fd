"""Data-quality scores from anomalies, TestGen's construction (formulas in docs/quality-scores.md).

Per scored anomaly p = prevalence x risk; per column good = Π(1 - p); affected data points =
(1 - good) x records; score = 1 - Σ affected / Σ records, rolled up to table and group. Each of the six
dimensions is the same construction restricted to that dimension's anomalies, so the overall of a column
is never above any of its dimensions. No data points (an empty table) scores 0, never a perfect 1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lakerun.quality.anomalies import Anomaly
from lakerun.quality.profile import TableProfile

DIMENSIONS = ("completeness", "validity", "uniqueness", "consistency", "timeliness", "accuracy")


@dataclass
class Score:
    """A score with its data points, so scores roll up by summing, never by averaging averages."""

    affected: float = 0.0
    total: float = 0.0

    @property
    def value(self) -> float:
        """1 - affected / total; 0.0 when there is no data point to stand on (an empty table, no column
        that could be profiled): a score is never higher than its evidence."""
        return 1.0 - self.affected / self.total if self.total else 0.0

    def add(self, other: Score) -> None:
        """Accumulate another score's data points."""
        self.affected += other.affected
        self.total += other.total


@dataclass
class ScoreCard:
    """Overall and per-dimension scores of one table or a group of tables."""

    overall: Score = field(default_factory=Score)
    dimensions: dict[str, Score] = field(default_factory=lambda: {d: Score() for d in DIMENSIONS})

    def add(self, other: ScoreCard) -> None:
        """Roll another card into this one."""
        self.overall.add(other.overall)
        for name, score in other.dimensions.items():
            self.dimensions[name].add(score)

    def as_dict(self) -> dict[str, object]:
        """Rounded values plus the data points behind them."""
        return {
            "score": round(self.overall.value, 6),
            "affected_data_points": round(self.overall.affected, 3),
            "total_data_points": self.overall.total,
            "dimensions": {name: round(s.value, 6) for name, s in self.dimensions.items()},
        }


def good_fraction(prevalences: Iterable[float]) -> float:
    """Π(1 - p), skipping p ≤ 0 and p > 0.999999 like TestGen's SUM_LN aggregate."""
    return math.exp(sum(math.log(1.0 - p) for p in prevalences if 0.0 < p <= 0.999999))


def table_scores(profile: TableProfile, anomalies: Sequence[Anomaly]) -> ScoreCard:
    """The score card of one table: every column that could be profiled weighs its record count (a column
    whose queries failed is no evidence and counts for nothing; its error is an anomaly of its own)."""
    per_column: dict[str, list[Anomaly]] = defaultdict(list)
    table_wide: list[Anomaly] = []
    for anomaly in anomalies:
        if anomaly.table_name != profile.table_name or not anomaly.scored:
            continue
        (per_column[anomaly.column_name] if anomaly.column_name else table_wide).append(anomaly)
    card = ScoreCard()
    for column in profile.columns:
        if column.query_error:
            continue
        found = per_column.get(column.column_name, []) + table_wide
        card.add(_column_card(float(profile.record_ct), found))
    return card


def _column_card(records: float, found: Sequence[Anomaly]) -> ScoreCard:
    """Overall and per-dimension affected data points of one column."""
    card = ScoreCard()
    card.overall = Score((1.0 - good_fraction(a.dq_prevalence or 0.0 for a in found)) * records, records)
    for name in DIMENSIONS:
        in_dimension = (a.dq_prevalence or 0.0 for a in found if (a.dimension or "").lower() == name)
        card.dimensions[name] = Score((1.0 - good_fraction(in_dimension)) * records, records)
    return card


def group_scores(
    profiles: Sequence[TableProfile], anomalies: Sequence[Anomaly]
) -> tuple[ScoreCard, dict[str, ScoreCard]]:
    """The group's card and each table's card."""
    tables = {p.table_name: table_scores(p, anomalies) for p in profiles}
    group = ScoreCard()
    for card in tables.values():
        group.add(card)
    return group, tables
