"""Webhook notifications follow the one retry policy: a 4xx is final, a 503 is retried."""

from __future__ import annotations

from lakerun.control.notify import post_webhook
from lakerun.control.settings import WebhookTarget
from tests.runtime.receiver import Receiver


def test_a_webhook_refused_with_4xx_is_sent_once() -> None:
    hook = Receiver([(404, {})])
    try:
        post_webhook(WebhookTarget(url=hook.url), {"id": 1, "state": "FAILED"})
    finally:
        hook.close()
    assert len(hook.received) == 1


def test_a_webhook_answered_503_is_sent_again() -> None:
    hook = Receiver([(503, {"Retry-After": "0"})])
    try:
        post_webhook(WebhookTarget(url=hook.url), {"id": 2, "state": "FAILED"})
    finally:
        hook.close()
    assert len(hook.received) == 2
