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
