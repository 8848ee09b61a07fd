"""Quality scores come from the data: dirty data scores lower, on the dimension that is dirty."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from lakerun.executor.entrypoint import run
from lakerun.executor.quality import assess_dataset, quality_level
from tests.executor import sample_data

pytestmark = pytest.mark.core

CLEAN = pa.table({"id": list(range(200)), "name": [f"name {i}" for i in range(200)]})


def _dirty() -> pa.Table:
    """Placeholder blanks ('N/A', '') in a third of the names each, and 50 duplicated rows."""
    names = ["N/A" if i % 3 == 0 else ("" if i % 3 == 1 else f"name {i}") for i in range(200)]
    return pa.table({"id": list(range(200)), "name": names}).take(list(range(200)) + list(range(50)))


def test_dirty_data_scores_lower_where_it_is_dirty() -> None:
    clean = assess_dataset(CLEAN, "clean")
    dirty = assess_dataset(_dirty(), "dirty")
    assert clean.dimensions["completeness"] == 100.0
    assert dirty.dimensions["completeness"] < clean.dimensions["completeness"]
    assert dirty.dimensions["uniqueness"] < clean.dimensions["uniqueness"]
    assert dirty.overall_score < clean.overall_score
    assert any("completeness" in note for note in dirty.recommendations())
    assert quality_level(dirty.overall_score) == dirty.level


def test_quality_assessment_scores_are_stored_and_capped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b", "c"):
        sample_data.write_parquet(tmp_path / "data" / f"{name}.parquet", _dirty() if name == "b" else CLEAN)
    db = tmp_path / "m.duckdb"
    args = [
        "quality_assessment",
        str(tmp_path / "data"),
        "--metadata-db",
        str(db),
        "--quality-max-datasets",
        "2",
    ]
    assert run(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["datasets_assessed"], result["datasets_not_assessed"]) == (2, 1)
    scores = {name: d["overall_score"] for name, d in result["datasets"].items()}
    assert scores["b.parquet"] < scores["a.parquet"]
    assert min(scores.values()) <= result["overall_score"] <= max(scores.values())


def test_advice_agrees_with_the_level() -> None:
    rows = 100
    text = [f"a longer free-text value number {i}" for i in range(rows)]
    spaced = [" " + v if i % 10 < 2 else v for i, v in enumerate(text)]
    holes = [None if i % 10 < 2 else v for i, v in enumerate(text)]
    quality = assess_dataset(pa.table({"a": spaced, "b": holes}), "t")
    assert quality.level != "Excellent"
    assert min(quality.dimensions.values()) >= 85.0  # no dimension is weak on its own
    notes = quality.recommendations()
    assert "good - maintain" not in " ".join(notes)
    assert notes and notes[0].startswith("Improve ")


def test_zero_row_table_is_empty_not_excellent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = pa.table({"id": pa.array([], pa.int64()), "name": pa.array([], pa.string())})
    quality = assess_dataset(empty, "t")
    assert quality.level == "Empty"
    assert quality.overall_score == 0.0
    assert [a.anomaly_type for a in quality.assessment.anomalies] == ["Empty_Table"]
    sample_data.write_parquet(tmp_path / "data" / "empty.parquet", empty)
    assert run(["quality_assessment", str(tmp_path / "data"), "--metadata-db", str(tmp_path / "m.db")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["quality_level"] == "Empty"
    assert "Excellent" not in json.dumps(result)


def test_quality_assessment_alone_writes_complete_rows_with_column_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    sample_data.write_parquet(tmp_path / "data" / "orders.parquet", sample_data.ORDERS)
    db = tmp_path / "m.duckdb"
    assert run(["quality_assessment", str(tmp_path / "data"), "--metadata-db", str(db)]) == 0
    capsys.readouterr()
    with duckdb.connect(str(db)) as connection:
        table = connection.execute(
            "SELECT row_count, column_count, file_format, dataset_kind, status, quality_level, quality_score"
            " FROM _executor_metadata.tables"
        ).fetchall()
        columns = connection.execute(
            "SELECT column_name, data_type, ordinal_position, null_count, distinct_count, is_primary_key"
            " FROM _executor_metadata.columns ORDER BY ordinal_position"
        ).fetchall()
    assert table[0][:5] == (6, 4, "parquet", "file", "ok") and table[0][5] and table[0][6] is not None
    assert columns == [
        ("order_id", "int64", 1, 0, 6, True),
        ("customer", "string", 2, 1, 4, False),
        ("amount", "double", 3, 1, 4, False),
        ("ordered_on", "date32[day]", 4, 0, 5, False),
    ]


@pytest.mark.parametrize("job_type", ["metadata_extraction", "quality_assessment"])
def test_one_file_named_as_the_source_is_counted_and_stored_as_a_source(
    job_type: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    path = sample_data.write_parquet(tmp_path / "orders.parquet", sample_data.ORDERS)
    db = tmp_path / "m.duckdb"
    assert run([job_type, str(path), "parquet", "t1", "--metadata-db", str(db)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["files_found"], result["datasets_found"]) == (1, 1)
    with duckdb.connect(str(db)) as connection:
        stored = connection.execute(
            "SELECT s.files_found, t.table_name FROM _executor_metadata.sources s"
            " JOIN _executor_metadata.tables t USING (source_id)"
        ).fetchall()
    assert stored == [(1, "orders.parquet")], "the job alone leaves a source its tables belong to"
