"""The one retry policy, against a real HTTP server on loopback: what is retried, how long it waits, what is final."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from lakerun.runtime import outbound
from lakerun.runtime.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signature_headers

pytestmark = pytest.mark.core


def post(url: str, waits: list[float], attempts: int = 4) -> httpx.Response:
    body = b'{"event": 1}'
    return outbound.post(
        url,
        body,
        lambda: {"Content-Type": "application/json", **signature_headers("s3cret", body)},
        policy=outbound.RetryPolicy(attempts=attempts, first_delay=0.01, max_delay=0.04, max_retry_after=30),
        timeout=5,
        sleep=waits.append,
    )


def test_429_waits_what_retry_after_says_then_succeeds(receiver) -> None:
    hook = receiver([(429, {"Retry-After": "7"}), (429, {"Retry-After": "0"})])
    waits: list[float] = []
    response = post(hook.url, waits)
    assert response.status_code == 200
    assert waits == [7.0, 0.0]
    assert len(hook.received) == 3


def test_retry_after_as_an_http_date_and_capped(receiver) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    hook = receiver([(503, {"Retry-After": later}), (429, {"Retry-After": "3600"})])
    waits: list[float] = []
    post(hook.url, waits)
    assert 10 < waits[0] <= 20
    assert waits[1] == 30


def test_5xx_is_retried_with_a_bounded_backoff(receiver) -> None:
    hook = receiver([(503, {}), (500, {}), (502, {})])
    waits: list[float] = []
    assert post(hook.url, waits).status_code == 200
    assert waits == [0.01, 0.02, 0.04]


def test_5xx_until_the_last_try_is_an_error_naming_the_status(receiver) -> None:
    hook = receiver([(503, {})] * 3)
    waits: list[float] = []
    with pytest.raises(outbound.DeliveryError, match="answered 503 after 3 tries") as raised:
        post(hook.url, waits, attempts=3)
    assert raised.value.status == 503
    assert len(hook.received) == 3
    assert len(waits) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 408, 409, 422])
def test_other_4xx_are_never_retried(receiver, status: int) -> None:
    hook = receiver([(status, {"Retry-After": "1"})])
    waits: list[float] = []
    with pytest.raises(outbound.DeliveryError, match=f"refused \\({status}\\)") as raised:
        post(hook.url, waits)
    assert raised.value.status == status
    assert len(hook.received) == 1
    assert waits == []


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    with pytest.raises(outbound.DeliveryError, match=r"unreachable \(ConnectError\) after 3 tries") as raised:
        post(f"http://127.0.0.1:{port}/hook", waits, attempts=3)
    assert raised.value.status is None
    assert waits == [0.01, 0.02]


def test_every_try_is_signed_afresh(receiver) -> None:
    hook = receiver([(503, {})])
    post(hook.url, [])
    for body, headers in hook.received:
        assert headers[SIGNATURE_HEADER] == sign("s3cret", headers[TIMESTAMP_HEADER], body)
    assert len(hook.received) == 2
