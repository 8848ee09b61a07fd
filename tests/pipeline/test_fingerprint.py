"""Input fingerprints on their own: the same inputs give the same hash, any change to a file, the file list or
the table's definition gives another, and a missing input is a state of its own (not an error)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lakerun.pipeline.builder import InputShape, build_table_plan
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.fingerprint import input_fingerprint
from lakerun.pipeline.plan import TablePlan

SHAPE = InputShape(columns=("id",), types={"id": "VARCHAR"})


def plan_over(folder: Path, **raw: Any) -> TablePlan:
    """The plan of a raw table reading the CSV files of `folder` (and a bronze table reading it)."""
    tables = {
        "raw": {
            "layer": "raw",
            "inputs": {"files": {"type": "files", "path": str(folder), "format": "csv"}},
            **raw,
        },
        "bronze": {"layer": "bronze", "inputs": ["raw"]},
    }
    pipeline = PipelineConfig.model_validate(
        {"name": "t", "warehouse": str(folder.parent / "wh"), "tables": tables}
    )
    return build_table_plan(pipeline, "raw", {"files": SHAPE}, config_hash="h")


def test_unchanged_inputs_give_the_same_fingerprint(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("id\n1\n")
    assert input_fingerprint(plan_over(folder)) == input_fingerprint(plan_over(folder))


def test_a_changed_or_added_file_changes_it(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    first = folder / "a.csv"
    first.write_text("id\n1\n")
    before = input_fingerprint(plan_over(folder))
    first.write_text("id\n1\n2\n")
    os.utime(first, (1_000_000, 1_000_000))
    changed = input_fingerprint(plan_over(folder))
    (folder / "b.csv").write_text("id\n3\n")
    added = input_fingerprint(plan_over(folder))
    assert len({before, changed, added}) == 3


def test_a_changed_definition_changes_it(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("id\n1\n")
    assert input_fingerprint(plan_over(folder)) != input_fingerprint(plan_over(folder, description="new"))


def test_missing_inputs_have_a_fingerprint_that_changes_once_they_appear(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    missing = input_fingerprint(plan_over(folder))
    assert missing == input_fingerprint(plan_over(folder))
    folder.mkdir()
    (folder / "a.csv").write_text("id\n1\n")
    assert input_fingerprint(plan_over(folder)) != missing
