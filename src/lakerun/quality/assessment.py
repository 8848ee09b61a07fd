"""The stable entry point for callers (executor, CLI, profile runs): profile, detect, score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lakerun.engines.sql import SqlEngine
from lakerun.quality.anomalies import Anomaly, Disposition, detect
from lakerun.quality.profile import TableProfile
from lakerun.quality.profiler import ProfileOptions, profile_table
from lakerun.quality.scores import group_scores


@dataclass
class QualityAssessment:
    """Scores (overall and the six dimensions), the anomalies behind them and the profiles they came from."""

    score: float
    dimensions: dict[str, float]
    affected_data_points: float
    total_data_points: float
    anomalies: list[Anomaly]
    profiles: list[TableProfile]
    table_scores: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def evidence(self) -> dict[str, Any]:
        """Why each dimension scored what it did: the scored anomalies per dimension, by key."""
        by_dimension: dict[str, list[str]] = {name: [] for name in self.dimensions}
        for anomaly in self.anomalies:
            if anomaly.scored and anomaly.dimension:
                by_dimension[anomaly.dimension.lower()].append(f"{anomaly.key}: {anomaly.detail}")
        return {
            "tables": len(self.profiles),
            "columns": sum(len(p.columns) for p in self.profiles),
            "records": sum(p.record_ct for p in self.profiles),
            "by_dimension": by_dimension,
        }

    def to_dict(self, include_profiles: bool = True) -> dict[str, Any]:
        """JSON-ready form."""
        data: dict[str, Any] = {
            "score": self.score,
            "dimensions": self.dimensions,
            "affected_data_points": self.affected_data_points,
            "total_data_points": self.total_data_points,
            "table_scores": self.table_scores,
            "anomalies": [a.to_dict() for a in self.anomalies],
            "evidence": self.evidence,
        }
        if include_profiles:
            data["profiles"] = [p.to_dict() for p in self.profiles]
        return data


def evaluate(
    profiles: Sequence[TableProfile],
    previous: Sequence[TableProfile] = (),
    history: Sequence[Sequence[TableProfile]] = (),
    dispositions: Mapping[str, Disposition] | None = None,
) -> QualityAssessment:
    """Anomalies and scores over already stored profiles (no engine needed)."""
    anomalies = detect(profiles, previous, history, dispositions)
    group, tables = group_scores(profiles, anomalies)
    return QualityAssessment(
        score=round(group.overall.value, 6),
        dimensions={name: round(score.value, 6) for name, score in group.dimensions.items()},
        affected_data_points=group.overall.affected,
        total_data_points=group.overall.total,
        anomalies=anomalies,
        profiles=list(profiles),
        table_scores={name: card.as_dict() for name, card in tables.items()},
    )


def assess(
    engine: SqlEngine,
    table_names: str | Sequence[str],
    options: ProfileOptions | None = None,
    *,
    previous: Sequence[TableProfile] = (),
    dispositions: Mapping[str, Disposition] | None = None,
    history: Sequence[Sequence[TableProfile]] = (),
) -> QualityAssessment:
    """Profile one table (or a group), detect anomalies and score them: the six dimensions, overall and evidence."""
    names = [table_names] if isinstance(table_names, str) else list(table_names)
    profiles = [profile_table(engine, name, options) for name in names]
    return evaluate(profiles, previous=previous, history=history, dispositions=dispositions)


def load_history(
    results: Sequence[dict[str, Any]],
) -> tuple[list[list[TableProfile]], dict[str, Disposition]]:
    """Earlier runs (their `to_dict()` JSON, oldest first) as profile history plus the latest dispositions by key."""
    history = [[TableProfile.from_dict(p) for p in result.get("profiles", [])] for result in results]
    dispositions: dict[str, Disposition] = {}
    for result in results:
        for anomaly in result.get("anomalies", []):
            if anomaly.get("disposition") in ("Confirmed", "Dismissed", "Inactive"):
                dispositions[anomaly["key"]] = anomaly["disposition"]
    return history, dispositions
