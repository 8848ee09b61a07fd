"""The data-quality pages in a real browser: profile a table group from its button, see the run end live,
open its results with column charts, and dismiss an anomaly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.server.conftest import Stack
from tests.server.test_data_quality import make_group, write_tables

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_profile_a_group_then_dismiss_an_anomaly(page: Any, dash: Stack, tmp_path: Path) -> None:
    write_tables(tmp_path / "shop")
    group_id = make_group(dash, tmp_path / "shop")
    page.goto("/quality")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Profile shop now").click()
    page.wait_for_url(f"**/quality/groups/{group_id}")
    page.evaluate("window.__noReload = true")
    page.locator("table.profile-runs tr[data-status=SUCCESS]").wait_for(timeout=180_000)
    assert page.evaluate("window.__noReload === true"), "the page reloaded"
    screenshot(page, "quality-group")
    page.locator("table.profile-runs tr[data-status=SUCCESS] a").first.click()
    page.locator("table.anomalies").first.wait_for()
    page.locator("article.column-card table.bars").first.wait_for()
    screenshot(page, "quality-run")
    row = page.locator("tr[data-disposition=Confirmed]").first
    key = row.get_attribute("data-anomaly")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button").click()
    page.locator(f"tr[data-anomaly='{key}'][data-disposition=Dismissed]").wait_for()
    listed = dash.api.get(
        f"/v1/data-quality/profile-runs/{page.url.split('/')[-1].split('#')[0]}/anomalies"
    ).json()
    assert {a["key"]: a["disposition"] for a in listed}[key] == "Dismissed"
