"""The pipeline page in a real browser: the demo's bronze layer triggered from its button goes running, then success, live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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
    bronze = page.locator("li[data-layer=bronze]")
    figures = bronze.inner_text().lower()
    bronze_checks = ("not_null_claim_amount", "valid_values_species", "valid_values_network")
    assert "rows in" in figures and "rows out" in figures
    assert any(check in figures for check in bronze_checks), figures
    screenshot(page, "pipelines")
