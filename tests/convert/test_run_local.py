"""A converted flow runs in the local workspace on sample CSV files and writes the rows the flow's logic gives."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lakerun.convert.agent import DONE, AgentRequest, DeterministicAgent
from lakerun.convert.runcheck import WorkspaceRunCheck
from tests.convert.conftest import FLOWS

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.usefixtures("spark_available"),
]

ORDERS = {
    "eu_orders.csv": [("1", "anna", "5"), ("2", "bert", "25"), ("3", "carl", "11")],
    "us_orders.csv": [("4", "dora", "40"), ("5", "emil", "10")],
    "apac_orders.csv": [("6", "fay", "99")],
}


def _expected() -> dict[str, set[tuple[str, str, str]]]:
    """The flow's logic written out: amount > 10, region = file name before '_', eu routed apart."""
    routed: dict[str, set[tuple[str, str, str]]] = {"eu": set(), "other": set()}
    for name, rows in ORDERS.items():
        region = name.split("_")[0]
        for row in rows:
            if int(row[2]) > 10:
                routed["eu" if region == "eu" else "other"].add(row)
    return routed


def _written(folder: Path) -> set[tuple[str, str, str]]:
    rows: set[tuple[str, str, str]] = set()
    for part in folder.glob("part-*.csv"):
        with part.open() as handle:
            reader = csv.reader(handle)
            assert next(reader) == ["id", "name", "amount"]
            rows |= {(a, b, c) for a, b, c in reader}
    return rows


def test_converted_orders_flow_runs_and_routes_the_same_rows(ws_client, tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    for name, rows in ORDERS.items():
        (inbox / name).write_text("id,name,amount\n" + "".join(",".join(row) + "\n" for row in rows))
    (inbox / "readme.txt").write_text("not an order\n")
    check = WorkspaceRunCheck(
        ws_client, {"input.dir": str(inbox), "output.dir": str(outbox)}, timeout_minutes=5
    )
    request = AgentRequest("orders", str(FLOWS / "orders_template.xml"), str(tmp_path / "generated"))
    result = DeterministicAgent(check).run(request)
    assert result.status == DONE, result.iterations[-1]["validation"]["findings"]
    validation = result.iterations[-1]["validation"]
    assert validation["skipped"] == [] and validation["failed"] == 0
    assert validation["passed"] == 5
    expected = _expected()
    assert _written(outbox / "eu") == expected["eu"]
    assert _written(outbox / "other") == expected["other"]
    assert ws_client.jobs.list() is not None and not list(ws_client.jobs.list())
