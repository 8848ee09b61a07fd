"""The Flows page in a real browser: load the inventory, start two conversions, watch them live,
open the history, view a generated notebook, deploy and run it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.convert.conftest import FLOWS

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.spark,
    pytest.mark.usefixtures("spark_available"),
]


def test_flows_from_inventory_to_deployed_run(page: Any, tmp_path: Path) -> None:
    folder, inbox, outbox = tmp_path / "nifi", tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    inbox.mkdir()
    for name in ("orders_template.xml", "logs_definition.json", "warehouse_flow.xml"):
        shutil.copy(FLOWS / name, folder / name)
    (inbox / "eu_x.csv").write_text("id,name,amount\n1,anna,50\n")

    page.goto("/flows")
    page.fill("input[name=folder]", str(folder))
    page.click("text=Load inventory")
    page.wait_for_selector("text=Loaded 3 flows")
    for flow in ("orders_template", "logs_definition"):
        assert page.get_attribute(f"tr[data-flow={flow}]", "data-status") == "NOT_STARTED"
        page.check(f"tr[data-flow={flow}] input[type=checkbox]")
    page.click("text=Start conversion of ticked flows")
    page.wait_for_selector("text=Started 2 conversion(s)")
    page.wait_for_selector("tr[data-flow=orders_template][data-status=DONE]", timeout=240_000)
    page.wait_for_selector("tr[data-flow=logs_definition][data-status=NEEDS_ATTENTION]", timeout=240_000)
    assert page.get_attribute("tr[data-flow=warehouse_flow]", "data-status") == "NOT_STARTED"
    screenshot(page, "flows-inventory")

    page.click("tr[data-flow=logs_definition] a")
    page.click("text=4 human request(s)")
    page.wait_for_selector("text=no catalogue entry for processor type com.acme.nifi.MagicProcessor")
    page.goto("/flows/orders_template")
    row = page.locator("table.history tbody tr[data-attempt]")
    assert row.count() == 1 and row.get_attribute("data-status") == "SUCCESS"
    assert "100.0%" in row.inner_text()
    page.click("text=01_orders_routing.py")
    page.wait_for_selector("text=# Processor: Route by region (RouteOnAttribute)")
    screenshot(page, "flows-notebook")
    page.go_back()
    page.fill("textarea[name=parameters]", f"input.dir={inbox}\noutput.dir={outbox}")
    page.click("text=Deploy and run")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    page.locator("#run-live .summary[data-status=SUCCESS]").wait_for(timeout=300_000)
    screenshot(page, "flows-deployed-run")
    assert list((outbox / "eu").glob("part-*.csv"))
