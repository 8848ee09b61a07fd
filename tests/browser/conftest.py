"""Browser fixtures: a control plane and local workspace on free ports, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS
from tests.server.conftest import Stack, running_stack
from tests.support.components import unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
LAYER_TASK = str(Path(__file__).with_name("layer_task.py"))
QUALITY_TASK = str(Path(__file__).with_name("quality_task.py"))


def layer_task(mode: str = "ok", key: str = "bronze") -> dict[str, Any]:
    """A spark_python_task that reports progress for ~3 s, then ends as told."""
    return {
        "task_key": key,
        "spark_python_task": {"python_file": LAYER_TASK, "parameters": [f"--mode={mode}"]},
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium (never a downloaded one); the tests skip where it is missing.

    Module scope: Playwright's sync API holds a running event loop on this thread while it lives,
    which would break later tests that run their own loop.
    """
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        unavailable("browser", f"{CHROMIUM} is missing (make tools, or apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def dash(tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A control plane (SQLite) in front of a real local workspace, serving the dashboard."""
    database = f"sqlite:///{tmp_path / 'control.db'}"
    with running_stack(database, tmp_path / "home", local_workspace, monkeypatch) as built:
        yield built


@pytest.fixture
def page(browser: Any, dash: Stack) -> Iterator[Any]:
    """A fresh browser page at laptop size, already logged in to the dashboard."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=dash.server.url)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    opened.goto("/login")
    opened.fill("#token", dash.token)
    opened.click("button[type=submit]")
    opened.wait_for_url(f"{dash.server.url}/")
    yield opened
    context.close()


def screenshot(page: Any, name: str) -> None:
    """Saves a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
