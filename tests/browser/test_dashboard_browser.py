"""The dashboard in a real browser: login, live status without reload, failure details, retry, history, bulk launch."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import QUALITY_TASK, layer_task, screenshot
from tests.server.conftest import Stack, python_task

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def register_job(dash: Stack, key: str, mode: str = "ok") -> None:
    response = dash.api.put(f"/v1/jobs/local/{key}", json={"name": key, "tasks": [layer_task(mode)]})
    assert response.status_code == 200, response.text


def mark_page(page: Any) -> None:
    """Leaves a marker a reload would erase."""
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("window.__noReload === true"), "the page reloaded"


def test_nothing_is_shown_without_a_token_and_a_wrong_one_is_refused(browser: Any, dash: Stack) -> None:
    context = browser.new_context(base_url=dash.server.url)
    page = context.new_page()
    page.goto("/subjects")
    assert page.url.startswith(f"{dash.server.url}/login")
    assert page.locator("table").count() == 0
    page.keyboard.type("lrk_not-a-real-token")
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="not valid").wait_for()
    screenshot(page, "login")
    page.fill("#token", dash.token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{dash.server.url}/subjects")
    page.get_by_role("heading", name="Subjects").wait_for()
    context.close()


def test_triggered_job_goes_running_then_success_without_reload(page: Any, dash: Stack) -> None:
    register_job(dash, "bronze")
    page.goto("/workspaces")
    page.get_by_text("reachable").first.wait_for()
    screenshot(page, "workspaces")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Run bronze now").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    mark_page(page)
    badge = page.locator("#run-live .status-line .badge")
    page.locator("#run-live .summary[data-status=RUNNING]").wait_for()
    assert badge.inner_text() in ("Running", "Starting · waiting for compute")
    page.locator("#run-live .task").filter(has_text="bronze").wait_for()
    screenshot(page, "run-running")
    page.locator("#run-live .summary[data-status=SUCCESS]").wait_for()
    assert badge.inner_text() == "Success"
    page.get_by_role("button", name="Retry").wait_for()
    assert page.get_by_role("button", name="Cancel").count() == 0
    page.locator("#run-output .logs").filter(has_text="writing bronze table").wait_for()
    assert_not_reloaded(page)
    screenshot(page, "run-success")


def test_runs_list_shows_new_runs_and_their_status_live(page: Any, dash: Stack) -> None:
    mark_page(page)
    attempt = dash.trigger(subject_key="claims", subject_kind="layer", tasks=[layer_task()])
    row = f"tr[data-attempt='{attempt['id']}']"
    page.wait_for_selector(f"{row}[data-status='RUNNING']")
    screenshot(page, "runs-live")
    page.wait_for_selector(f"{row}[data-status='SUCCESS']")
    assert_not_reloaded(page)
    page.select_option("select[name=status]", "FAILED")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("No runs match these filters.").wait_for()


def test_failed_attempt_shows_error_and_logs_and_can_be_retried(page: Any, dash: Stack) -> None:
    failed = dash.wait(
        dash.trigger(subject_key="orders", subject_kind="flow", tasks=[python_task("crash")])["id"]
    )
    assert failed["status"] == "FAILED"
    page.goto("/")
    page.locator(f"tr[data-attempt='{failed['id']}'] a").first.click()
    page.locator(".error-box").filter(has_text="task exploded on purpose").wait_for()
    page.locator("#run-output .logs").filter(has_text="about to crash").wait_for()
    page.locator("#run-output .trace").filter(has_text="RuntimeError").wait_for()
    screenshot(page, "run-failed")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Retry").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    assert failed["id"] not in page.url
    page.get_by_text("attempt #2").wait_for()
    page.locator("dd a").filter(has_text=failed["id"][:8]).wait_for()
    page.locator("#run-live .summary[data-status=FAILED]").wait_for()


def test_subject_history_lists_every_attempt_newest_first_and_bulk_launch(page: Any, dash: Stack) -> None:
    triggered = [
        dash.trigger(subject_key="orders", subject_kind="table_group", tasks=[python_task(mode)])
        for mode in ("ok", "crash", "ok")
    ]
    triggered.append(dash.trigger(subject_key="customers", subject_kind="table_group", tasks=[python_task()]))
    for attempt in triggered:
        dash.wait(attempt["id"])
    page.goto("/subjects")
    screenshot(page, "subjects")
    page.get_by_role("link", name="orders").click()
    rows = page.locator("table.history tbody tr")
    rows.nth(2).wait_for()
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == ["#3", "#2", "#1"]
    assert [rows.nth(i).locator(".badge").inner_text() for i in range(3)] == ["Success", "Failed", "Success"]
    rows.nth(1).locator("details summary").click()
    rows.nth(1).locator("details pre").filter(has_text="task exploded on purpose").wait_for()
    screenshot(page, "history")
    page.goto("/subjects")
    page.get_by_label("Select table_group orders").check()
    page.get_by_label("Select table_group customers").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Launch selected").click()
    page.get_by_role("alert").filter(has_text="Launched 2 of 2 subjects.").wait_for()
    assert dash.api.get("/v1/subjects/table_group/orders/history").json()["subject"]["total_attempts"] == 4


def test_every_page_loads_only_from_the_server_itself(page: Any, dash: Stack) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/", "/subjects", "/pipelines", "/quality", "/metadata", "/workspaces"):
        page.goto(path)
        page.locator("#live-indicator").filter(has_text="live").wait_for()
    assert requested
    foreign = [
        url
        for url in requested
        if not url.startswith((dash.server.url, dash.server.url.replace("http", "ws")))
    ]
    assert foreign == []
    page.goto("/quality")
    page.get_by_text("No table group yet").wait_for()
    page.goto("/metadata")
    page.get_by_text("Nothing received yet").wait_for()
    screenshot(page, "metadata")


def focus_by_tab(page: Any, name: str, limit: int = 40) -> None:
    """Presses Tab until the focused element's text or label is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "(document.activeElement.getAttribute('aria-label') || document.activeElement.textContent || '').trim()"
        )
        if label == name:
            return
    raise AssertionError(f"{name!r} was not reached with the keyboard")


def test_the_dashboard_works_from_the_keyboard_alone(page: Any, dash: Stack) -> None:
    dash.wait(dash.trigger(subject_key="orders", subject_kind="flow", tasks=[python_task()])["id"])
    page.goto("/")
    focus_by_tab(page, "History")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subjects")
    focus_by_tab(page, "Select flow orders")
    page.keyboard.press("Space")
    focus_by_tab(page, "Launch selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="Launched 1 of 1 subjects.").wait_for()


def test_assessment_results_show_as_scores_anomalies_and_charts(page: Any, dash: Stack) -> None:
    triggered = [
        dash.trigger(
            subject_key="claims",
            subject_kind="table_group",
            tasks=[
                {
                    "task_key": "profile",
                    "spark_python_task": {"python_file": QUALITY_TASK, "parameters": [f"--rows={rows}"]},
                }
            ],
        )
        for rows in (50, 100, 200)
    ]
    finished = [dash.wait(attempt["id"]) for attempt in triggered]
    assert [run["status"] for run in finished] == ["SUCCESS"] * 3
    page.goto("/subjects/table_group/claims")
    assert page.locator("svg.line-chart circle").count() == 3
    screenshot(page, "history-quality")
    page.goto(f"/runs/{finished[-1]['id']}")
    page.locator("table.anomalies").first.wait_for()
    page.locator("article[aria-label='Column species'] table.bars").first.wait_for()
    screenshot(page, "run-quality")
