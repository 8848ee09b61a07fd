"""Webhook notifications really POSTed, e-mails in the outbox, and the local run page behind run_page_url."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from databricks.sdk.service import jobs

from lakerun.local.server import free_port
from tests.local.conftest import python_task, result_of, wait_for
from tests.support.eventually import eventually


@pytest.fixture
def receiver():
    """An HTTP server on loopback recording the JSON bodies POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_webhooks_are_posted_and_emails_written(ws_client, script, receiver, workspace_root: Path) -> None:
    url, received = receiver
    job_id = ws_client.jobs.create(
        name="notify",
        webhook_notifications=jobs.WebhookNotifications(
            on_start=[jobs.Webhook(id=url)], on_failure=[jobs.Webhook(id=url)]
        ),
        email_notifications=jobs.JobEmailNotifications(on_failure=["ops@example.com"]),
        tasks=[python_task("t", script("fail.py", "raise SystemExit(2)\n"))],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "FAILED"
    eventually(lambda: len(received) >= 2, interval=0.02, what="two notifications")
    assert sorted(body["event_type"] for body in received) == ["jobs.on_failure", "jobs.on_start"]
    assert all(body["run"]["run_id"] == run.run_id and body["job"]["job_id"] == job_id for body in received)
    outbox = (workspace_root / "notifications" / "emails.jsonl").read_text().splitlines()
    assert [json.loads(line)["to"] for line in outbox] == [["ops@example.com"]]


def test_notification_settings_mute_skipped_but_not_cancelled_runs(ws_client, script, receiver) -> None:
    url, received = receiver
    hooks = jobs.WebhookNotifications(on_failure=[jobs.Webhook(id=url)])
    job_id = ws_client.jobs.create(
        name="muted",
        webhook_notifications=hooks,
        notification_settings=jobs.JobNotificationSettings(no_alert_for_skipped_runs=True),
        tasks=[python_task("t", script("sleep.py", "import time\ntime.sleep(30)\n"))],
    ).job_id
    running = ws_client.jobs.run_now(job_id=job_id).run_id
    skipped = ws_client.jobs.get_run(ws_client.jobs.run_now(job_id=job_id).run_id)
    assert skipped.state.life_cycle_state == jobs.RunLifeCycleState.SKIPPED
    ws_client.jobs.cancel_run(running)
    assert result_of(wait_for(ws_client, running)) == "CANCELED"
    eventually(lambda: received, interval=0.02, what="a notification")
    assert [(body["event_type"], body["run"]["run_id"]) for body in received] == [
        ("jobs.on_failure", running)
    ]


def test_duration_warning_is_posted_once_the_health_threshold_passes(ws_client, script, receiver) -> None:
    url, received = receiver
    job_id = ws_client.jobs.create(
        name="long",
        health=jobs.JobsHealthRules(
            rules=[
                jobs.JobsHealthRule(
                    metric=jobs.JobsHealthMetric.RUN_DURATION_SECONDS,
                    op=jobs.JobsHealthOperator.GREATER_THAN,
                    value=1,
                )
            ]
        ),
        webhook_notifications=jobs.WebhookNotifications(
            on_duration_warning_threshold_exceeded=[jobs.Webhook(id=url)]
        ),
        tasks=[python_task("t", script("sleep.py", "import time\ntime.sleep(1.6)\n"))],
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert result_of(run) == "SUCCESS"
    eventually(lambda: received, interval=0.02, what="a notification")
    assert [body["event_type"] for body in received] == ["jobs.on_duration_warning_threshold_exceeded"]


def test_run_page_shows_the_run_and_links_task_logs(ws_client, script) -> None:
    job_id = ws_client.jobs.create(
        name="page", tasks=[python_task("shown", script("p.py", "print('visible log line')\n"))]
    ).job_id
    run = wait_for(ws_client, ws_client.jobs.run_now(job_id=job_id).run_id)
    assert run.run_page_url
    page = httpx.get(run.run_page_url)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "shown" in page.text and "SUCCESS" in page.text
    base = run.run_page_url.split("/jobs/")[0]
    logs = httpx.get(base + f"/runs/{run.tasks[0].run_id}/logs")
    assert logs.text.strip() == "visible log line"
    index = httpx.get(base + "/")
    assert index.status_code == 200 and f'href="/jobs/{job_id}/runs/{run.run_id}"' in index.text
    assert "<td>page</td>" in index.text
