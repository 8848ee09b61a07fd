"""The NOTIFY payload that carries a committed event to other server processes."""

from __future__ import annotations

from datetime import UTC, datetime

from lakerun.control.events import DomainEvent
from lakerun.control.uow import NOTIFY_LIMIT, notice, parse_notice


def event(message: str) -> DomainEvent:
    return DomainEvent(
        42,
        "run.progress",
        "a-1",
        "table",
        "sales.orders",
        "job-7",
        {"progress": 0.5, "message": message, "subject": {"kind": "table", "key": "sales.orders"}},
        datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )


def test_a_small_event_rides_in_the_notice_unchanged() -> None:
    original = event('héllo \n "quoted" ✓')
    event_id, origin, carried = parse_notice(notice(original, "origin-1"))
    assert (event_id, origin) == (42, "origin-1")
    assert carried == original
    assert carried is not None and carried.json_text == original.json_text


def test_an_event_too_big_for_a_notice_is_sent_as_its_id() -> None:
    message = notice(event("é" * NOTIFY_LIMIT), "origin-1")
    assert message == "42:origin-1"
    assert parse_notice(message) == (42, "origin-1", None)
    assert len(notice(event("x" * 100), "o").encode()) < NOTIFY_LIMIT
