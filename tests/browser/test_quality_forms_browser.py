"""The Data quality page in a real browser, as a newcomer uses it: a connection and a table group created
from its forms (a mistake shown next to its field first), the group profiled with "Profile now", then
its anomalies read and a column's charts opened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.server.conftest import Stack
from tests.server.test_data_quality import ROWS, write_tables

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def create_connection(page: Any, folder: Path) -> None:
    page.goto("/quality")
    page.get_by_role("link", name="New connection").click()
    page.get_by_label("Name").fill("shop-files")
    page.get_by_label("Source").select_option(label="Local folder")
    page.get_by_label("Location").fill("shop")
    page.get_by_role("button", name="Create connection").click()
    error = page.locator("#e-location")
    assert "absolute path" in error.inner_text()
    assert page.get_by_label("Location").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Name").input_value() == "shop-files", "the typed name is kept"
    screenshot(page, "quality-connection-error")
    page.get_by_label("Location").fill(str(folder))
    page.get_by_role("button", name="Create connection").click()
    page.wait_for_url("**/quality?notice=*")
    assert (
        page.locator("table.connections tr[data-connection='shop-files']").inner_text().count("Local folder")
        == 1
    )


def create_group(page: Any) -> None:
    page.get_by_role("link", name="New table group", exact=True).click()
    page.get_by_label("Name").fill("shop")
    page.get_by_label("Connection").select_option("shop-files")
    page.get_by_label("Include").fill("%")
    page.get_by_label("Exclude").fill("scratch%")
    page.get_by_role("button", name="Create table group").click()
    page.wait_for_url("**/quality/groups/*")
    assert "Never profiled" in page.locator("#group-runs").inner_text()
    assert page.locator("svg.line-chart").count() == 0, "no trend before the first run"


def test_create_profile_and_read_a_table_group_from_the_page(page: Any, dash: Stack, tmp_path: Path) -> None:
    write_tables(tmp_path / "shop")
    create_connection(page, tmp_path / "shop")
    create_group(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Profile now").click()
    page.locator("section.latest").wait_for(timeout=180_000)
    assert page.locator("table.profile-runs tr[data-status=SUCCESS]").count() == 1
    trend = page.get_by_role("img", name="Quality score of each stored run, oldest first")
    assert trend.is_visible() and trend.locator("circle.dot").count() == 1, "the first run is on the trend"
    assert sorted(page.locator("section.latest tr[data-table]").evaluate_all(
        "rows => rows.map(r => r.dataset.table)"
    )) == ["contacts", "customers", "orders"]  # fmt: skip
    note = page.locator("tr[data-anomaly='contacts|note|No_Values']")
    assert "contacts · note" in note.inner_text() and note.get_attribute("data-disposition") == "Confirmed"
    screenshot(page, "quality-group-latest")

    page.locator("section.latest tr[data-table=orders]").get_by_role("link", name="amount").click()
    page.wait_for_url("**/column?table=orders&column=amount")
    bins = page.locator("svg.histogram rect.hbin")
    assert bins.count() == 20
    assert sum(int(count) for count in bins.evaluate_all("bars => bars.map(b => b.dataset.count)")) == ROWS
    assert page.locator("tr[data-share=Null]").inner_text().endswith("0.0%")
    assert page.locator("tr[data-share=Distinct]").inner_text().endswith("100.0%")
    assert page.locator(".qstrip").is_visible()
    screenshot(page, "quality-column-numeric")

    page.go_back()
    page.locator("tr[data-anomaly='contacts|note|No_Values']").get_by_role("link", name="note").click()
    page.wait_for_url("**/column?table=contacts&column=note")
    assert "(empty)" in page.get_by_role("table", name="Top values of note").inner_text()
    assert page.locator("tr[data-anomaly='contacts|note|No_Values']").is_visible()
    page.goto(page.url.replace("table=contacts&column=note", "table=contacts&column=email"))
    assert "aaa-aa-aaaaa" in page.get_by_role("table", name="Patterns of email").inner_text()
    screenshot(page, "quality-column-text")
    page.goto("/quality")
    listed = page.locator("table.groups tr[data-group=shop]").inner_text()
    assert "shop-files" in listed and "Success" in listed
    screenshot(page, "quality-page")
