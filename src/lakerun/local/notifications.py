"""Job notifications: webhooks really POSTed, e-mails written to an outbox file under the root.

Databricks resolves a webhook's `id` to an admin-made notification destination; the local workspace
takes the `id` itself as the destination URL (`http://...`), and sends Databricks' payload shape.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from lakerun.local.run_model import JobRun
from lakerun.runtime import outbound

LOG = logging.getLogger(__name__)
RETRY_POLICY = outbound.RetryPolicy(attempts=3)


class Notifier:
    """Sends `on_start` / `on_success` / `on_failure` notifications of job runs, off the engine thread."""

    def __init__(self, root: Path, workspace_id: str = "0") -> None:
        self.outbox = root / "notifications" / "emails.jsonl"
        self.workspace_id = workspace_id

    def run_event(self, run: JobRun, event: str) -> None:
        """Notifies every destination the run's settings name for `event` (e.g. `on_success`)."""
        if _muted(run, event):
            return
        payload = {
            "event_type": f"jobs.{event}",
            "workspace_id": self.workspace_id,
            "run": {"run_id": run.run_id},
            "job": {"job_id": run.job_id, "name": run.run_name},
        }
        hooks = (run.settings.get("webhook_notifications") or {}).get(event) or []
        for hook in hooks:
            url = str(hook.get("id", ""))
            if url.startswith(("http://", "https://")):
                threading.Thread(target=_post, args=(url, payload), daemon=True).start()
            else:
                LOG.warning("webhook destination %r is not a URL; the local workspace cannot resolve it", url)
        emails = (run.settings.get("email_notifications") or {}).get(event) or []
        if emails:
            self._write_email(emails, payload)

    def _write_email(self, recipients: list[str], payload: dict[str, Any]) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox.open("a") as handle:
            handle.write(json.dumps({"to": recipients, **payload}) + "\n")


def _muted(run: JobRun, event: str) -> bool:
    """`notification_settings` can silence failure notices of skipped and of cancelled runs."""
    settings = run.settings.get("notification_settings") or {}
    if event != "on_failure":
        return False
    if run.life_cycle_state == "SKIPPED":
        return bool(settings.get("no_alert_for_skipped_runs"))
    return run.result_state == "CANCELED" and bool(settings.get("no_alert_for_canceled_runs"))


def _post(url: str, payload: dict[str, Any]) -> None:
    """POSTs one notice under the one retry policy; a receiver that refuses or stays down is logged, not raised."""
    body = json.dumps(payload).encode()
    try:
        outbound.post(url, body, lambda: {"Content-Type": "application/json"}, policy=RETRY_POLICY)
    except outbound.DeliveryError as exc:
        LOG.warning("webhook %s failed: %s", url, exc)
