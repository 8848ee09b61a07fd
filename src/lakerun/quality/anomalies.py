"""Detect anomalies over stored profiles (engine-independent), with evidence and kept dispositions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from lakerun.quality.catalogue import ALL_COLUMN_TYPES, CATALOGUE, AnomalyType
from lakerun.quality.group_rules import group_findings, table_findings
from lakerun.quality.profile import ColumnProfile, TableProfile

Disposition = Literal["Confirmed", "Dismissed", "Inactive"]
NOT_SCORED: frozenset[str] = frozenset({"Dismissed", "Inactive"})


@dataclass
class Anomaly:
    """One anomaly found in one run: what, where, the evidence, and its score contribution."""

    anomaly_type: str
    table_name: str
    column_name: str
    detail: str
    likelihood: str
    dimension: str | None
    dq_prevalence: float | None
    """prevalence x risk factor; None when the type is not scored."""
    disposition: Disposition = "Confirmed"

    @property
    def key(self) -> str:
        """Stable identity across runs, used to carry a dismissal forward."""
        return f"{self.table_name}|{self.column_name}|{self.anomaly_type}"

    @property
    def scored(self) -> bool:
        """Whether it lowers the score (a prevalence, and not dismissed or inactive)."""
        return self.dq_prevalence is not None and self.disposition not in NOT_SCORED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, including the key."""
        return {**asdict(self), "key": self.key}


def make_anomaly(
    kind: AnomalyType, table: str, column: ColumnProfile | None, detail: str, prevalence: float | None = None
) -> Anomaly:
    """An Anomaly of `kind`; prevalence defaults to the type's own formula on the column."""
    if prevalence is None and kind.prevalence is not None and column is not None:
        prevalence = kind.prevalence(column)
    scored = (
        None
        if kind.risk is None or prevalence is None
        else round(min(max(prevalence, 0.0), 1.0) * kind.risk, 6)
    )
    return Anomaly(
        anomaly_type=kind.anomaly_type,
        table_name=table,
        column_name=column.column_name if column else "",
        detail=detail,
        likelihood=kind.likelihood,
        dimension=kind.dimension,
        dq_prevalence=scored,
    )


def column_anomalies(profile: TableProfile) -> list[Anomaly]:
    """Every column-level type of the catalogue applied to every column."""
    found = []
    for column in profile.columns:
        for kind in ALL_COLUMN_TYPES:
            detail = kind.rule(column) if kind.rule and not column.query_error else None
            if detail:
                found.append(make_anomaly(kind, profile.table_name, column, detail))
    return found


def detect(
    profiles: Sequence[TableProfile],
    previous: Sequence[TableProfile] = (),
    history: Sequence[Sequence[TableProfile]] = (),
    dispositions: Mapping[str, Disposition] | None = None,
) -> list[Anomaly]:
    """All anomalies of one run over a group of tables.

    `previous` is the last run's profiles (schema drift), `history` all earlier runs oldest first
    (metric drift), `dispositions` the user's decisions by anomaly key (kept across runs).
    """
    found: list[Anomaly] = []
    by_name = {p.table_name: p for p in previous}
    for profile in profiles:
        found += column_anomalies(profile)
        earlier = [p for run in history for p in run if p.table_name == profile.table_name]
        found += [
            make_anomaly(CATALOGUE[t], profile.table_name, c, d, p)
            for t, c, d, p in table_findings(profile, by_name.get(profile.table_name), earlier)
        ]
    found += [make_anomaly(CATALOGUE[t], table, c, d) for t, table, c, d in group_findings(profiles)]
    for anomaly in found:
        anomaly.disposition = (dispositions or {}).get(anomaly.key, "Confirmed")
    return found
