"""The data-quality pages over HTTP: table groups listed with their latest run, unknown runs named, CSRF refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakerun.control.profiling.catalog import ConnectionSpec, GroupSpec, create_connection, create_group
from tests.server.conftest import Stack, browser_client
from tests.server.sqlite_only import sqlite_only_stack, sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]


@pytest.fixture
def dash(stack: Stack) -> Stack:
    """A control plane on SQLite in front of a real local workspace (table groups register their job there)."""
    return stack


def test_groups_are_listed_and_unknown_runs_named(dash: Stack, tmp_path: Path) -> None:
    client = browser_client(dash)
    assert "No table group yet" in client.get("/quality").text
    create_connection(dash.plane, ConnectionSpec(name="shop-files", kind="files", location=str(tmp_path)))
    group = create_group(dash.plane, GroupSpec(name="shop", connection="shop-files", exclude=["scratch%"]))
    listing = client.get("/quality").text
    assert (
        f'href="/quality/groups/{group.id}"' in listing
        and "never profiled" in listing
        and "scratch%" in listing
    )
    assert "Never profiled" in client.get(f"/quality/groups/{group.id}").text
    assert client.get("/quality/groups/999").status_code == 404
    missing = client.get("/quality/runs/not-a-run")
    assert missing.status_code == 404 and "no profile run not-a-run" in missing.text


def test_profiling_and_dismissing_need_the_dashboard_s_own_origin(dash: Stack, tmp_path: Path) -> None:
    create_connection(dash.plane, ConnectionSpec(name="shop-files", kind="files", location=str(tmp_path)))
    group = create_group(dash.plane, GroupSpec(name="shop", connection="shop-files"))
    client = browser_client(dash, origin="http://evil.example")
    assert client.post(f"/quality/groups/{group.id}/profile").status_code == 403
    assert client.post("/quality/anomalies/1/dismiss", params={"run": "x"}).status_code == 403
    assert "never profiled" in browser_client(dash).get("/quality").text
