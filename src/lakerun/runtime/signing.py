"""The HMAC signature every lakerun POST carries: task callbacks, metadata batches and webhooks alike.

The signature is `v1=HMAC-SHA256(secret, "<timestamp>.<body>")` in `X-Lakerun-Signature`, with the
timestamp (seconds since the epoch) in `X-Lakerun-Timestamp`, so a receiver can refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Lakerun-Signature"
TIMESTAMP_HEADER = "X-Lakerun-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (seconds since the epoch, as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signature_headers(secret: str, body: bytes) -> dict[str, str]:
    """Timestamp and signature headers for sending `body` now; only the timestamp when there is no secret."""
    timestamp = str(int(time.time()))
    if not secret:
        return {TIMESTAMP_HEADER: timestamp}
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}
