"""Signed webhooks and SMTP email on failure, success and repeated failure of a subject."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from lakerun.control.settings import SmtpTarget, WebhookTarget
from lakerun.local.server import free_port
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.server.conftest import Stack, build_stack, python_task
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow


class Inbox:
    """Messages received by the webhook and SMTP test servers."""

    def __init__(self) -> None:
        self.hooks: list[tuple[dict[str, str], bytes]] = []
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, count: int, attr: str, timeout: float = 20) -> list[Any]:
        return eventually(
            lambda: list(getattr(self, attr)), lambda got: len(got) >= count, timeout=timeout, what=attr
        )


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, str, int]]:
    box = Inbox()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box.hooks.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    smtp_port = free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    yield box, f"http://127.0.0.1:{http.server_address[1]}/hook", smtp_port
    smtp.stop()
    http.shutdown()
    http.server_close()


def test_failures_and_repeated_failure_are_notified(
    database_url: str,
    tmp_path: Path,
    local_workspace: Any,
    monkeypatch: pytest.MonkeyPatch,
    inbox: tuple[Inbox, str, int],
) -> None:
    box, hook_url, smtp_port = inbox
    monkeypatch.setenv("LAKERUN_TEST_HOOK_SECRET", "hook-secret")
    stack: Stack = build_stack(
        database_url,
        tmp_path / "home",
        local_workspace,
        monkeypatch,
        webhooks=[
            WebhookTarget(
                url=hook_url,
                secret_ref="env:LAKERUN_TEST_HOOK_SECRET",
                on=["failure", "success", "repeated_failure"],
            )
        ],
        smtp=SmtpTarget(
            host="127.0.0.1", port=smtp_port, recipients=["ops@example.com"], on=["repeated_failure"]
        ),
    )
    try:
        for mode in ("ok", "crash", "crash"):
            stack.wait(
                stack.trigger(subject_key="nightly", subject_kind="flow", tasks=[python_task(mode)])["id"]
            )
        hooks = box.wait_for(3, "hooks")
        mails = box.wait_for(1, "mails")
    finally:
        stack.api.close()
        stack.server.stop()
        stack.plane.stop()
    messages = [json.loads(body) for _, body in hooks]
    assert [m["outcomes"] for m in messages] == [["success"], ["failure"], ["failure", "repeated_failure"]]
    for headers, body in hooks:
        assert headers[SIGNATURE_HEADER] == sign("hook-secret", headers[TIMESTAMP_HEADER], body)
    assert len(mails) == 1
    assert "nightly" in mails[0]["Subject"] and "repeated failure" in mails[0]["Subject"]
    assert "FAILED" in mails[0].get_payload()
