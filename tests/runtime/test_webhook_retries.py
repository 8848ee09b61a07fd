"""Webhook notifications follow the one retry policy: a 4xx is final, a 503 is retried (server extras needed)."""

from __future__ import annotations

from lakerun.control.notify import post_webhook
from lakerun.control.settings import WebhookTarget


def test_a_webhook_refused_with_4xx_is_sent_once(receiver) -> None:
    hook = receiver([(404, {})])
    post_webhook(WebhookTarget(url=hook.url), {"id": 1, "state": "FAILED"})
    assert len(hook.received) == 1
    retried = receiver([(503, {"Retry-After": "0"})])
    post_webhook(WebhookTarget(url=retried.url), {"id": 2, "state": "FAILED"})
    assert len(retried.received) == 2
