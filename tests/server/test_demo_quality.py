"""The data-quality demo of `lakerun up`: the demo's raw files registered as a table group and profiled,
so the dashboard opens on a real profile; run again, it reuses its connection and group."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakerun.cli.demo_quality import CONNECTION, GROUP, run_demo_quality
from lakerun.control.profiling.catalog import connections, groups
from lakerun.control.profiling.results import list_runs
from tests.server.conftest import Stack
from tests.server.sqlite_only import sqlite_only_stack, sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]
pytestmark = pytest.mark.slow


def test_the_demo_profiles_the_raw_pet_claims_and_reuses_its_group(stack: Stack, tmp_path: Path) -> None:
    first = run_demo_quality(stack.plane, tmp_path, rows=500)
    assert f"table group {GROUP} (claims, customers, pets, providers) profiled: score" in first, first
    (group,) = groups(stack.plane)
    runs = list_runs(stack.plane, group.id)
    assert runs[0].result is not None and 0 < runs[0].result.score < 1 and runs[0].anomalies
    species = next(p for p in runs[0].result.profiles if p["table_name"] == "pets")
    assert any(c["column_name"] == "species" and c["top_values"] for c in species["columns"])
    second = run_demo_quality(stack.plane, tmp_path, rows=500)
    assert "profiled: score" in second, second
    assert [c.name for c in connections(stack.plane)] == [CONNECTION]
    assert len(list_runs(stack.plane, group.id)) == 2
