"""Deploy and run: the notebooks a conversion generated run in the workspace as a tracked attempt."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.convert.conftest import FLOWS
from tests.server.conftest import Stack
from tests.server.sqlite_only import sqlite_only_stack, sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]
pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.usefixtures("spark_available"),
]


def test_deploy_and_run_writes_the_routed_rows(stack: Stack, tmp_path: Path) -> None:
    folder, inbox, outbox = tmp_path / "nifi", tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    inbox.mkdir()
    shutil.copy(FLOWS / "orders_template.xml", folder / "orders.xml")
    (inbox / "eu_a.csv").write_text("id,name,amount\n1,anna,50\n2,bert,3\n")
    (inbox / "us_b.csv").write_text("id,name,amount\n3,carl,70\n")
    stack.api.post("/v1/flows/load", json={"folder": str(folder)})
    conversion = stack.wait(stack.api.post("/v1/flows/orders/conversions").json()["id"], timeout=180)
    assert conversion["status"] == "SUCCESS", conversion

    refused = stack.api.post(
        f"/v1/flows/orders/attempts/{conversion['id']}/deploy", json={"parameters": {"nope": "1"}}
    )
    assert refused.status_code == 422 and "no parameter nope" in refused.json()["detail"]
    deployed = stack.api.post(
        f"/v1/flows/orders/attempts/{conversion['id']}/deploy",
        json={"parameters": {"input.dir": str(inbox), "output.dir": str(outbox)}},
    )
    assert deployed.status_code == 201, deployed.text
    run = deployed.json()
    assert run["subject"] == {"kind": "nifi_flow_run", "key": "orders"}
    finished = stack.wait(run["id"], timeout=300)
    assert finished["status"] == "SUCCESS", finished

    def rows(name: str) -> set[tuple[str, ...]]:
        found: set[tuple[str, ...]] = set()
        for part in (outbox / name).glob("part-*.csv"):
            with part.open() as handle:
                found |= {tuple(r) for r in list(csv.reader(handle))[1:]}
        return found

    assert rows("eu") == {("1", "anna", "50")}
    assert rows("other") == {("3", "carl", "70")}


def test_make_run_flows_demo(stack: Stack, tmp_path: Path) -> None:
    from lakerun.cli.demo_flows import run_demo_flows

    outcome = run_demo_flows(stack.plane, tmp_path)
    assert outcome.startswith("demo flows: converted 4 flows (")
    assert outcome.count("DONE") == 1 and outcome.count("NEEDS_ATTENTION") == 3
    assert "orders flow deployed and run: SUCCESS" in outcome
    assert {p.parent.name for p in (tmp_path / "demo-nifi" / "out").glob("*/part-*.csv")} == {"eu", "other"}
