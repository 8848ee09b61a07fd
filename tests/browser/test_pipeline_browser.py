"""The pipeline page in a real browser: the demo's graph of tables with each table's status after the demo run,
and the bronze layer triggered from its button going running, then success, live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lakerun.cli.demo_pipeline import run_demo_pipeline
from lakerun.pipeline.config.loader import load_pipeline
from tests.browser.conftest import screenshot
from tests.pipeline.conftest import EXAMPLE, load_generator
from tests.server.conftest import Stack

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WATCH_BRONZE = """() => {
  window.__noReload = true;
  window.__bronzeStates = [];
  const record = () => {
    const layer = document.querySelector("li[data-layer=bronze]");
    const status = layer && layer.dataset.status;
    if (status && window.__bronzeStates.at(-1) !== status) window.__bronzeStates.push(status);
  };
  record();
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def test_demo_bronze_layer_runs_from_its_button_and_updates_live(
    page: Any, dash: Stack, lakerun_wheel: Path, tmp_path: Path
) -> None:
    load_generator().main(["--rows", "300", "--files", "1", "--out", str(tmp_path / "data" / "raw")])
    body = {
        "config_path": str(EXAMPLE / "pipeline.yml"),
        "wheel": str(lakerun_wheel),
        "vars": {"data_root": str(tmp_path / "data")},
    }
    assert dash.api.post("/v1/pipelines", json=body).status_code == 201
    raw = dash.api.post("/v1/pipelines/pet_claims/trigger", json={"layer": "raw"}).json()
    assert dash.wait(raw["id"], timeout=300)["status"] == "SUCCESS"
    page.goto("/pipelines")
    page.locator("li[data-layer=raw][data-status=SUCCESS]").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Run bronze").click()
    page.wait_for_url("**/pipelines#pipeline-pet_claims")
    page.evaluate(WATCH_BRONZE)
    page.locator("li[data-layer=bronze][data-status=SUCCESS]").wait_for(timeout=300_000)
    states = page.evaluate("window.__bronzeStates")
    assert "RUNNING" in states and states[-1] == "SUCCESS", states
    assert page.evaluate("window.__noReload === true"), "the page reloaded"
    claims = page.locator("svg.pipeline-graph g.node[data-table=claims]")
    figures = (claims.text_content() or "").lower()
    bronze_checks = ("not_null_claim_amount", "range_claim_amount", "not_null_service_date")
    assert "in " in figures and "out " in figures and "quar." in figures, figures
    assert any(check in figures for check in bronze_checks), figures


def test_the_demo_run_shows_every_table_and_input_with_its_status(
    page: Any, dash: Stack, lakerun_wheel: Path, tmp_path: Path
) -> None:
    root = tmp_path / "home"
    (root / "wheels").mkdir(parents=True, exist_ok=True)
    (root / "wheels" / lakerun_wheel.name).symlink_to(lakerun_wheel)
    outcome = run_demo_pipeline(dash.plane, root, rows=300, timeout=600)
    assert "SUCCESS" in outcome, outcome
    config = load_pipeline(str(EXAMPLE / "pipeline.yml"), {"data_root": str(root / "demo-data")}).config
    edges = {(up, name) for name in config.ordered_tables() for up in config.graph.upstream[name]}
    page.goto("/pipelines")
    graph = page.locator("svg.pipeline-graph")
    graph.wait_for()
    nodes = graph.locator("g.node")
    assert nodes.count() == 13
    statuses = {
        nodes.nth(i).get_attribute("data-table"): nodes.nth(i).get_attribute("data-status") for i in range(13)
    }
    assert statuses == dict.fromkeys(config.ordered_tables(), "SUCCESS")
    drawn = graph.locator("path.edge")
    assert {
        (drawn.nth(i).get_attribute("data-from"), drawn.nth(i).get_attribute("data-to"))
        for i in range(drawn.count())
    } == edges
    box = graph.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 200
    gold = graph.locator("g.node[data-table=customer_value]")
    assert gold.is_visible() and "out " in (gold.text_content() or "")
    assert page.locator("li.layer[data-layer=gold][data-status=SUCCESS]").count() == 1
    screenshot(page, "pipelines")
