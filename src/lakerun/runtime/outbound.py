"""One POST with one retry policy for every call lakerun makes to a receiver it does not control.

Retried: connection errors, timeouts, 429 and 5xx, waiting what `Retry-After` says (seconds or an HTTP
date, capped) or else an exponential backoff. Never retried: any other 4xx, since sending the same
request again cannot change the answer. Headers are built afresh for each try, so a signature's
timestamp is always current.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lakerun.errors import LakerunError

if TYPE_CHECKING:
    import httpx

HeaderFactory = Callable[[], Mapping[str, str]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: `attempts` tries in all, backoff doubling from `first_delay`."""

    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"a retry policy needs at least one attempt, not {self.attempts}")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based) when the receiver gave no Retry-After."""
        return float(min(self.first_delay * 2 ** (attempt - 1), self.max_delay))

    def wait(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds before the next try: the receiver's `Retry-After` (capped) when given, else the backoff."""
        asked = retry_after(response) if response is not None else None
        return min(asked, self.max_retry_after) if asked is not None else self.backoff(attempt)


class DeliveryError(LakerunError):
    """A POST the receiver refused (`status` set) or that stayed unreachable through every try."""

    def __init__(self, message: str, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


def is_retryable(status: int) -> bool:
    """429 and 5xx may succeed later; every other 4xx is final."""
    return status == 429 or status >= 500


def retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def post(
    url: str,
    body: bytes,
    headers: HeaderFactory,
    *,
    policy: RetryPolicy = RetryPolicy(),
    client: httpx.Client | None = None,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """POST `body` until a 2xx answer, retrying under `policy`; `DeliveryError` when refused or out of tries."""
    import httpx  # here, not at the top: httpx costs a task's start-up even when it sends nothing

    response: httpx.Response | None = None
    failure = ""
    for attempt in range(1, policy.attempts + 1):
        response = None
        try:
            if client is not None:
                response = client.post(url, content=body, headers=dict(headers()))
            else:
                response = httpx.post(url, content=body, headers=dict(headers()), timeout=timeout)
        except httpx.TransportError as exc:
            failure = f"unreachable ({type(exc).__name__})"
        else:
            if response.status_code < 300:
                return response
            if not is_retryable(response.status_code):
                raise DeliveryError(
                    f"refused ({response.status_code}): {response.text[:300]}",
                    status=response.status_code,
                    attempts=attempt,
                )
            failure = f"answered {response.status_code}"
        if attempt < policy.attempts:
            sleep(policy.wait(attempt, response))
    status = None if response is None else response.status_code
    raise DeliveryError(f"{failure} after {policy.attempts} tries", status=status, attempts=policy.attempts)
