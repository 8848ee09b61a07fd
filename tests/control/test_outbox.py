"""The launch outbox: a trigger stores its intent with the attempt, and concurrent launchers never share one."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from lakerun.control.attempts import TriggerRequest
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.store.intents import LaunchIntentRepository
from lakerun.store.models import utcnow
from tests.control.conftest import make_attempt


def test_a_trigger_commits_its_launch_intent_and_answers_without_the_workspace(plane: ControlPlane) -> None:
    request = TriggerRequest(subject_key="queued", workspace="nowhere", tasks=[{"task_key": "t"}])
    attempt = plane.runs.trigger(request)
    assert attempt.status == "CREATING" and attempt.run_id is None
    with plane.ctx.sessions() as session:
        intent = LaunchIntentRepository(session).get(attempt.id)
    assert intent is not None and intent.kind == "launch" and intent.workspace_name == "nowhere"


def test_concurrent_launchers_claim_each_intent_exactly_once(plane: ControlPlane, database_url: str) -> None:
    attempts = [make_attempt(plane, subject=f"s{n}") for n in range(40)]
    with plane.ctx.uow() as uow:
        for attempt in attempts:
            LaunchIntentRepository(uow.session).add(attempt.id, "nowhere")
    others = [
        ControlPlane(ControlSettings(home=plane.ctx.settings.home, database_url=database_url, server_key="k"))
        for _ in range(3)
    ]

    def claim_all(owner: int) -> list[str]:
        ctx = others[owner].ctx
        mine: list[str] = []
        for _ in range(20):
            with ctx.uow() as uow:
                mine += [r.attempt_id for r in LaunchIntentRepository(uow.session).claim(f"o{owner}", 60, 3)]
        return mine

    try:
        with ThreadPoolExecutor(3) as pool:
            claimed = list(pool.map(claim_all, range(3)))
    finally:
        for other in others:
            other.stop()
    every = [attempt_id for mine in claimed for attempt_id in mine]
    assert sorted(every) == sorted(a.id for a in attempts), "each intent claimed once, none left behind"


def test_an_intent_whose_launcher_stopped_renewing_is_taken_over(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    with plane.ctx.uow() as uow:
        LaunchIntentRepository(uow.session).add(attempt.id, "nowhere")
    with plane.ctx.uow() as uow:
        assert [r.attempt_id for r in LaunchIntentRepository(uow.session).claim("dead", 1.0, 5)] == [
            attempt.id
        ]
    with plane.ctx.uow() as uow:
        assert LaunchIntentRepository(uow.session).claim("alive", 60, 5) == []
    time.sleep(1.2)
    with plane.ctx.uow() as uow:
        assert LaunchIntentRepository(uow.session).expired() == 1
        taken = LaunchIntentRepository(uow.session).claim("alive", 60, 5)
    assert [r.attempt_id for r in taken] == [attempt.id] and taken[0].tries == 2
    with plane.ctx.uow() as uow:
        assert not LaunchIntentRepository(uow.session).settle(attempt.id, "dead")
        assert LaunchIntentRepository(uow.session).settle(attempt.id, "alive")


def test_recovery_requeues_an_unlaunched_attempt_that_lost_its_intent(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    assert plane.runs.recover() == 1
    with plane.ctx.sessions() as session:
        intent = LaunchIntentRepository(session).get(attempt.id)
    assert intent is not None and intent.not_before <= utcnow()
    assert plane.runs.recover() == 0
