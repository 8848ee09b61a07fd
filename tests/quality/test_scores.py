"""Scores follow TestGen's construction: p = prevalence x risk, good = prod(1 - p), score = 1 - affected / total."""

from __future__ import annotations

import pytest

from lakerun.quality import evaluate
from tests.quality.conftest import profile_tables


def test_clean_table_scores_one(assess_tables) -> None:
    result = assess_tables({"t": {"label": ["alpha", "beta", "gamma", "delta"], "n": [1, 2, 3, 4]}})
    assert result.score == 1.0
    assert set(result.dimensions.values()) == {1.0}


def test_score_is_computed_from_prevalence_and_risk(assess_tables) -> None:
    # 'label' has 2 leading spaces in 10 rows (Leading_Spaces: 0.2 x 0.66) and 1 empty (Non_Standard_Blanks: 0.1 x 1.0).
    labels = [" a", " b", "", "c", "d", "e", "f", "g", "h", "i"]
    result = assess_tables({"t": {"label": labels, "n": list(range(10))}})
    by_type = {a.anomaly_type: a for a in result.anomalies}
    assert by_type["Leading_Spaces"].dq_prevalence == pytest.approx(0.2 * 0.66)
    assert by_type["Non_Standard_Blanks"].dq_prevalence == pytest.approx(0.1 * 1.0)
    scored = [a.dq_prevalence for a in result.anomalies if a.scored and a.column_name == "label"]
    good = 1.0
    for p in scored:
        good *= 1 - p
    affected = (1 - good) * 10
    assert result.affected_data_points == pytest.approx(affected)
    assert result.total_data_points == 20
    assert result.score == pytest.approx(1 - affected / 20, abs=1e-6)
    assert result.dimensions["completeness"] < 1.0
    assert result.dimensions["validity"] == pytest.approx(1 - 0.2 * 0.66 * 10 / 20, abs=1e-6)
    assert result.dimensions["accuracy"] == 1.0


def test_dismissed_anomaly_is_listed_but_not_scored() -> None:
    profiles = profile_tables({"t": {"label": [" a", "b", "c", "d"]}})
    before = evaluate(profiles)
    key = next(a.key for a in before.anomalies if a.anomaly_type == "Leading_Spaces")
    after = evaluate(profiles, dispositions={key: "Dismissed"})
    dismissed = next(a for a in after.anomalies if a.key == key)
    assert dismissed.disposition == "Dismissed"
    assert before.score < 1.0
    assert after.score == 1.0


def test_duplicate_rows_lower_uniqueness_for_every_column(assess_tables) -> None:
    result = assess_tables({"t": {"a": [1, 1, 2, 3], "b": ["x", "x", "y", "z"]}})
    assert result.dimensions["uniqueness"] == pytest.approx(0.75)
    assert result.table_scores["t"]["score"] == pytest.approx(0.75)


def test_group_rolls_up_by_data_points(assess_tables) -> None:
    result = assess_tables({"clean": {"v": ["a", "b", "c", "d"]}, "dirty": {"v": [" a", "b"]}})
    clean, dirty = result.table_scores["clean"], result.table_scores["dirty"]
    expected = 1 - (dirty["affected_data_points"] + clean["affected_data_points"]) / 6
    assert clean["score"] == 1.0
    assert result.score == pytest.approx(expected, abs=1e-6)


def test_evidence_names_the_anomalies_behind_each_dimension(assess_tables) -> None:
    result = assess_tables({"t": {"label": [" a", "b"]}})
    evidence = result.evidence
    assert evidence["records"] == 2
    assert any("Leading_Spaces" in e for e in evidence["by_dimension"]["validity"])
    assert result.to_dict()["profiles"][0]["table_name"] == "t"
