"""An existing FastAPI app mounts lakerun's API and dashboard under `/lakerun` and shares its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lakerun.client import Lakerun
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.local.server import free_port
from lakerun.server.embed import mount
from lakerun.server.serve import start_in_thread
from tests.server.conftest import python_task

pytestmark = pytest.mark.slow


def test_an_application_mounts_lakerun_under_a_prefix(
    tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMBED_WS_TOKEN", local_workspace.token)
    seen: list[str] = []

    @asynccontextmanager
    async def own_lifespan(_: FastAPI) -> AsyncIterator[None]:
        seen.append("app started")
        yield
        seen.append("app stopped")

    app = FastAPI(lifespan=own_lifespan)

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "from the application"}

    port = free_port()
    settings = ControlSettings(
        home=tmp_path, server_key="k", public_url=f"http://127.0.0.1:{port}/lakerun", reconcile_interval=0.5,
        callback_secret_delivery="parameter",
    )  # fmt: skip
    lakerun = mount(app, settings, prefix="/lakerun")
    plane = lakerun.state.plane
    plane.register_workspace(
        WorkspaceSpec(name="local", host=local_workspace.url, token_ref="env:EMBED_WS_TOKEN")
    )
    token = issue_token(plane.ctx, "embedded")
    server = start_in_thread(app, plane, "127.0.0.1", port)
    try:
        base = server.url
        assert seen == ["app started"] and plane.reconciler._thread is not None
        assert httpx.get(f"{base}/hello").json() == {"hello": "from the application"}
        assert httpx.get(f"{base}/lakerun/healthz").json() == {"status": "ok"}

        with Lakerun(f"{base}/lakerun", token) as client:
            attempt = client.trigger("embedded", tasks=[python_task()])
            done = client.wait(attempt.id, timeout=90)
        assert done.status == "SUCCESS" and done.result == {"rows": 42}
        assert "callback" in [t.source for t in done.transitions]

        browser = httpx.Client(base_url=base, headers={"Origin": base})
        to_login = browser.get("/lakerun/")
        assert to_login.status_code == 303 and to_login.headers["location"].startswith("/lakerun/login")
        logged_in = browser.post("/lakerun/login", data={"token": token})
        assert logged_in.status_code == 303 and logged_in.headers["location"].startswith("/lakerun/")
        page = browser.get("/lakerun/").text
        assert 'href="/lakerun/static/dashboard.css"' in page and 'href="/lakerun/runs/' in page
        assert 'href="/static/' not in page
        assert browser.get("/lakerun/static/live.js").status_code == 200
    finally:
        server.stop()
    assert seen == ["app started", "app stopped"]
