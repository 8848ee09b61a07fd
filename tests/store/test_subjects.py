"""Attempt numbering: concurrent creators of one subject get 1..N with no gap and no duplicate."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from lakerun.store.db import make_engine, session_factory
from lakerun.store.models import utcnow
from lakerun.store.subjects import SubjectRepository


def test_concurrent_attempt_numbers_are_unique_and_dense(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = session_factory(engine)

    def number_one() -> int:
        with sessions() as session:
            repo = SubjectRepository(session)
            subject = repo.get_or_create("flow", "busy")
            number = repo.next_attempt_number(subject, utcnow(), str(uuid.uuid4()))
            session.commit()
            return number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda _: number_one(), range(40)))
    with sessions() as session:
        subject = SubjectRepository(session).find("flow", "busy")
    engine.dispose()
    assert sorted(numbers) == list(range(1, 41))
    assert subject is not None and subject.total_attempts == 40 and subject.first_attempt_at is not None


def test_subjects_are_searched_by_part_of_the_key_and_paged(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    with sessions() as session:
        repo = SubjectRepository(session)
        for key in ["Orders_EU", "orders_us", "customers", "100%_sure", "1000_sure"]:
            repo.get_or_create("table", key)
        repo.get_or_create("flow", "orders_flow")
        session.commit()
        rows, total = repo.list("table", 10, 0, "ORDERS")
        assert total == 2 and sorted(r.key for r in rows) == ["Orders_EU", "orders_us"]
        rows, total = repo.list(None, 10, 0, "orders")
        assert total == 3
        rows, total = repo.list(None, 10, 0, "0%_")
        assert [r.key for r in rows] == ["100%_sure"] and total == 1, "% and _ are literal"
        first, total = repo.list(None, 4, 0)
        rest, _ = repo.list(None, 4, 4)
        assert total == 6 and len(first) == 4 and len(rest) == 2
        assert not {r.id for r in first} & {r.id for r in rest}
    engine.dispose()
