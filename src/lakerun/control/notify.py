"""Notifications on an attempt's outcome: signed webhooks and SMTP email, sent off the request path."""

from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from lakerun.control.background import QueueWorker
from lakerun.control.context import ControlContext
from lakerun.control.events import DomainEvent
from lakerun.control.settings import SmtpTarget, WebhookTarget
from lakerun.runtime import outbound
from lakerun.runtime.secrets import resolve
from lakerun.runtime.signing import signature_headers
from lakerun.store.attempts import AttemptRepository
from lakerun.store.subjects import SubjectRepository

log = logging.getLogger(__name__)
OUTCOME_EVENTS = {"run.completed": "success", "run.failed": "failure", "run.cancelled": "failure"}


class Notifier(QueueWorker[DomainEvent]):
    """Turns outcome events into notifications on its own thread, so a slow receiver never blocks a commit."""

    thread_name = "lakerun-notifier"

    def __init__(self, ctx: ControlContext) -> None:
        super().__init__()
        self.ctx = ctx

    def on_event(self, event: DomainEvent) -> None:
        """Bus listener: queues outcome events when any target is configured."""
        settings = self.ctx.settings
        if event.type in OUTCOME_EVENTS and (settings.webhooks or settings.smtp):
            self.submit(event)

    def handle(self, item: DomainEvent) -> None:
        """Sends the notifications of one outcome event."""
        self.send(item)

    def outcomes(self, event: DomainEvent) -> set[str]:
        """`success` or `failure`, plus `repeated_failure` when the subject's latest attempts all failed."""
        outcome = OUTCOME_EVENTS[event.type]
        if event.payload.get("state") == "SKIPPED":
            return set()
        found = {outcome}
        threshold = self.ctx.settings.repeated_failure_threshold
        if outcome == "failure" and event.subject_kind and event.subject_key:
            with self.ctx.sessions() as session:
                subject = SubjectRepository(session).find(event.subject_kind, event.subject_key)
                latest = AttemptRepository(session).of_subject(subject.id)[:threshold] if subject else []
            if len(latest) >= threshold and all(a.status in ("FAILED", "TIMEDOUT") for a in latest):
                found.add("repeated_failure")
        return found

    def send(self, event: DomainEvent) -> None:
        """Delivers one event to every target that wants one of its outcomes."""
        outcomes = self.outcomes(event)
        message = {**event.as_json(), "outcomes": sorted(outcomes)}
        for hook in self.ctx.settings.webhooks:
            if outcomes & set(hook.on):
                post_webhook(hook, message)
        smtp = self.ctx.settings.smtp
        if smtp and outcomes & set(smtp.on):
            send_email(smtp, message)


def post_webhook(hook: WebhookTarget, message: dict[str, Any], retries: int = 3) -> None:
    """POSTs a JSON message signed like task callbacks (HMAC-SHA256 over timestamp and body)."""
    body = json.dumps(message, default=str).encode()
    secret = resolve(hook.secret_ref) if hook.secret_ref else ""
    try:
        outbound.post(
            hook.url,
            body,
            lambda: {"Content-Type": "application/json", **signature_headers(secret, body)},
            policy=outbound.RetryPolicy(attempts=retries),
        )
    except outbound.DeliveryError as exc:
        log.error("webhook %s failed for event %s: %s", hook.url, message.get("id"), exc)


def send_email(smtp: SmtpTarget, message: dict[str, Any]) -> None:
    """Sends a plain-text email describing the outcome."""
    subject = message.get("subject") or {}
    mail = EmailMessage()
    mail["From"], mail["To"] = smtp.sender, ", ".join(smtp.recipients)
    mail["Subject"] = (
        f"[lakerun] {subject.get('key', '?')} attempt {message.get('attempt_number')}: {message.get('state')}"
        + (" (repeated failure)" if "repeated_failure" in message["outcomes"] else "")
    )
    mail.set_content(
        "\n".join(
            f"{k}: {message.get(k)}" for k in ("state", "attempt_id", "run_url", "duration_seconds", "error")
        )
    )
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.send_message(mail)
