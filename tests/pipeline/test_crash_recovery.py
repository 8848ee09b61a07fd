"""A process killed at any commit point of a table, then rerun, leaves exactly the rows a clean run leaves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lakerun.engines.delta_io import open_table
from lakerun.pipeline.faults import FAULT_EXIT_CODE, FAULT_VARIABLE
from lakerun.pipeline.sql_checks import QUARANTINED_AT

LAKERUN = str(Path(sys.executable).with_name("lakerun"))
HEADER = "id,amount,updated_at\n"


def land(folder: Path, name: str, rows: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")


def config(root: Path) -> Path:
    """raw (text) → bronze (append by watermark, quarantines bad amounts) → silver (merge) → gold."""
    text = f"""
name: crash
warehouse: {root}/wh
tables:
  raw:
    layer: raw
    inputs: {{files: {{type: files, path: {root}/landing, format: csv}}}}
  bronze:
    layer: bronze
    inputs: [raw]
    transform:
      steps:
        - {{op: cast, columns: {{id: int, amount: "decimal(10,2)", updated_at: timestamp}}}}
    expectations:
      - {{type: not_null, column: amount, action: quarantine}}
    sink: {{table: main.bronze.t, mode: append, watermark: {{column: updated_at}}}}
  silver:
    layer: silver
    inputs: [bronze]
    transform:
      steps:
        - {{op: dedupe, keys: [id], order_by: [updated_at DESC]}}
    expectations:
      - {{type: range, column: amount, max: 100, action: quarantine}}
    sink: {{table: main.silver.t, mode: merge, keys: [id]}}
  gold:
    layer: gold
    inputs: [silver]
    transform: {{sql: "SELECT count(*) AS n, sum(amount) AS total FROM silver"}}
"""
    path = root / "pipeline.yml"
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_VARIABLE}
    if fault:
        env[FAULT_VARIABLE] = fault
    command = [LAKERUN, "pipeline", "run", "-c", str(path), "--quiet"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def snapshot(root: Path) -> dict[str, list[tuple]]:
    """Every table's rows (quarantine time left out), sorted."""
    tables = {}
    for relative in (
        "main/bronze/t",
        "main/bronze/t_quarantine",
        "main/silver/t",
        "main/silver/t_quarantine",
    ):
        table = open_table(str(root / "wh" / relative))
        rows = [] if table is None else table.to_pyarrow_table().to_pylist()
        tables[relative] = sorted(
            tuple(
                sorted(
                    (k, str(v)) for k, v in row.items() if k not in (QUARANTINED_AT, "_lakerun_table_version")
                )
            )
            for row in rows
        )
    gold = open_table(str(root / "wh" / "main" / "gold" / "gold"))
    tables["gold"] = [] if gold is None else [tuple(r.values()) for r in gold.to_pyarrow_table().to_pylist()]
    return tables


FIRST = ["1,10.00,2024-01-01 00:00:00", "2,,2024-01-02 00:00:00", "3,500.00,2024-01-03 00:00:00"]
SECOND = ["1,11.00,2024-02-01 00:00:00", "4,,2024-02-02 00:00:00", "5,700.00,2024-02-03 00:00:00"]
POINTS = [
    "bronze:after_quarantine",
    "bronze:after_table",
    "silver:after_quarantine",
    "silver:after_table",
    "gold:after_table",
]


@pytest.fixture
def reference(tmp_path: Path) -> dict[str, list[tuple]]:
    root = tmp_path / "reference"
    root.mkdir()
    path = config(root)
    land(root / "landing", "a.csv", FIRST)
    assert run(path).returncode == 0
    land(root / "landing", "b.csv", SECOND)
    assert run(path).returncode == 0
    return snapshot(root)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_a_crash_at_a_commit_point_then_a_rerun_duplicates_nothing(tmp_path: Path, reference, point) -> None:
    root = tmp_path / "crashed"
    root.mkdir()
    path = config(root)
    land(root / "landing", "a.csv", FIRST)
    assert run(path).returncode == 0
    land(root / "landing", "b.csv", SECOND)
    crashed = run(path, fault=point)
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stderr
    assert run(path).returncode == 0
    assert snapshot(root) == reference
    assert len(reference["main/bronze/t_quarantine"]) == 2 and len(reference["main/silver/t_quarantine"]) == 3


@pytest.mark.slow
def test_a_crash_in_the_first_run_leaves_no_orphan_quarantine_rows(tmp_path: Path) -> None:
    root = tmp_path / "first"
    root.mkdir()
    path = config(root)
    land(root / "landing", "a.csv", FIRST)
    assert run(path, fault="bronze:after_quarantine").returncode == FAULT_EXIT_CODE
    assert run(path).returncode == 0
    assert run(path).returncode == 0
    assert len(snapshot(root)["main/bronze/t_quarantine"]) == 1
