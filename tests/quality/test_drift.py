"""Run-over-run anomalies: schema drift against the previous run, metric drift against the history's z-band."""

from __future__ import annotations

import json

from lakerun.quality import TableProfile, evaluate
from tests.quality.conftest import profile_tables


def _types(result: object) -> set[str]:
    return {a.anomaly_type for a in result.anomalies}  # type: ignore[attr-defined]


def test_schema_drift_names_added_removed_and_retyped_columns() -> None:
    (before,) = profile_tables({"t": {"a": [1, 2], "b": ["x", "y"], "c": [1, 2]}})
    (now,) = profile_tables({"t": {"a": [1, 2], "b": [1.5, 2.5], "d": [True, False]}})
    result = evaluate([now], previous=[before])
    drift = next(a for a in result.anomalies if a.anomaly_type == "Schema_Drift")
    assert "added d" in drift.detail and "removed c" in drift.detail and "b: string -> double" in drift.detail
    assert "Schema_Drift" not in _types(evaluate([now], previous=[now]))


def test_metric_drift_outside_the_z_band_of_history() -> None:
    history = [profile_tables({"t": {"v": [float(i + k) for i in range(20)]}}) for k in range(4)]
    (steady,) = profile_tables({"t": {"v": [float(i + 2) for i in range(20)]}})
    (jumped,) = profile_tables({"t": {"v": [float(i + 500) for i in range(20)]}})
    assert "Metric_Drift" not in _types(evaluate([steady], history=history))
    drifted = [a for a in evaluate([jumped], history=history).anomalies if a.anomaly_type == "Metric_Drift"]
    assert any(a.detail.startswith("avg_value") for a in drifted)


def test_metric_drift_needs_enough_history() -> None:
    history = [profile_tables({"t": {"v": [1.0, 2.0]}})]
    (jumped,) = profile_tables({"t": {"v": [100.0, 200.0]}})
    assert "Metric_Drift" not in _types(evaluate([jumped], history=history))


def test_profile_round_trips_through_json() -> None:
    (profile,) = profile_tables({"t": {"label": [" a", "b", "b"], "n": [1, 2, 3]}})
    stored = TableProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert stored == profile
    assert [a.key for a in evaluate([stored]).anomalies] == [a.key for a in evaluate([profile]).anomalies]
