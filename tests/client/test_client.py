"""`lakerun.client` against a served control plane: every operation, waiting over the WebSocket, typed errors."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from lakerun.client import (
    AsyncLakerun,
    ConflictError,
    Lakerun,
    NotFoundError,
    TriggerBody,
    UnauthorizedError,
    ValidationError,
    WaitTimeoutError,
)
from tests.server.conftest import Stack, python_task


def test_importing_the_client_pulls_in_neither_fastapi_nor_sqlalchemy() -> None:
    probe = "import sys, lakerun.client; print(sorted(m for m in ('fastapi', 'sqlalchemy', 'starlette', 'uvicorn') if m in sys.modules))"
    assert (
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "[]"
    )


def test_trigger_wait_history_output_repair_retry_cancel(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_polling(*_: object) -> None:
        raise AssertionError("wait() polled although the WebSocket was available")

    monkeypatch.setattr(Lakerun, "_poll", no_polling)
    with Lakerun(stack.server.url, stack.token) as client:
        ok = client.trigger("orders", subject_kind="table_group", tasks=[python_task()])
        done = client.wait(ok.id, timeout=90)
        assert done.status == "SUCCESS" and done.result == {"rows": 42}
        assert [t.to_status for t in done.transitions][-1] == "SUCCESS"
        assert "task started" in "".join(out.get("logs") or "" for out in client.output(ok.id))

        marker = tmp_path / "failed-once"
        task = {
            "task_key": "main",
            "spark_python_task": {
                "python_file": python_task()["spark_python_task"]["python_file"],
                "parameters": [f"--fail-once={marker}"],
            },
        }
        failed = client.wait(
            client.trigger("orders", subject_kind="table_group", tasks=[task]).id, timeout=90
        )
        assert failed.status == "FAILED"
        repaired = client.wait(client.repair(failed.id).id, timeout=90)
        assert (repaired.status, repaired.repair_of) == ("SUCCESS", failed.id)
        retried = client.wait(client.retry(failed.id).id, timeout=90)
        assert (retried.status, retried.retry_of) == ("SUCCESS", failed.id)

        history = client.history("table_group", "orders")
        assert history.subject.total_attempts == 4 and history.attempts[0].id == retried.id
        assert client.list(subject_key="orders", status=["FAILED"]).total == 1
        assert [s.key for s in client.subjects(kind="table_group")] == ["orders"]

        sleeping = client.trigger("sleepy", tasks=[python_task("sleep")])
        with pytest.raises(WaitTimeoutError):
            client.wait(sleeping.id, timeout=1.0)
        stack.wait(sleeping.id, until=lambda run: run["status"] == "RUNNING")
        assert client.cancel(sleeping.id).status == "CANCELLED"


def test_bulk_trigger_and_typed_errors(stack: Stack) -> None:
    with Lakerun(stack.server.url, stack.token) as client:
        items = [TriggerBody(subject_key=f"bulk-{i}", tasks=[python_task()]) for i in range(3)]  # type: ignore[call-arg]
        results = client.bulk_trigger(items)
        assert [r.error for r in results] == [None, None, None]
        finished = [client.wait(r.attempt.id, timeout=90) for r in results if r.attempt]
        assert {a.status for a in finished} == {"SUCCESS"}
        with pytest.raises(NotFoundError):
            client.get("no-such-attempt")
        with pytest.raises(ConflictError):
            client.repair(finished[0].id)
        with pytest.raises(ValidationError, match="subject_key"):
            client.trigger("")
        with pytest.raises(ValidationError) as refused:
            client.trigger("nothing-to-run", tasks=[])
        assert refused.value.status == 422
    with Lakerun(stack.server.url, "lrk_wrong") as stranger, pytest.raises(UnauthorizedError):
        stranger.list()


def test_wait_polls_when_the_websocket_client_is_missing(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "websockets.sync.client", None)
    with Lakerun(stack.server.url, stack.token) as client:
        attempt = client.trigger("polled", tasks=[python_task()])
        assert client.wait(attempt.id, timeout=90, poll_interval=0.2).status == "SUCCESS"


def test_async_client_follows_events_of_one_attempt(stack: Stack) -> None:
    async def scenario() -> tuple[list[str], str]:
        async with AsyncLakerun(stack.server.url, stack.token) as client:
            attempt = await client.trigger("async-flow", tasks=[python_task()])
            states: list[str] = []
            async for event in client.events(attempts=[attempt.id], last_event_id=0):
                assert event.attempt_id == attempt.id
                states.append(event.state or "")
                if event.terminal:
                    break
            final = await client.wait(attempt.id, timeout=30)
            return states, final.status

    states, status = asyncio.run(scenario())
    assert states[0] == "CREATING" and states[-1] == "SUCCESS" and status == "SUCCESS"


def test_a_cut_stream_resumes_from_the_heartbeat_floor_and_yields_each_event_once() -> None:
    """Ids arrive out of order: the last id seen is no resume point, the heartbeat's `resume_after` is."""
    import json

    from lakerun.client.calls import ResumePoint

    def event(event_id: int) -> str:
        return json.dumps({"id": event_id, "type": "run.progress", "attempt_id": "a"})

    resume = ResumePoint(after=0)
    assert [e.id for e in map(resume.take, [event(5), event(3)]) if e] == [5, 3]
    assert resume.after == 0
    assert resume.take(json.dumps({"type": "heartbeat", "resume_after": 3})) is None
    assert resume.after == 3
    assert resume.take(event(5)) is None and resume.take(event(3)) is None
    assert resume.take(event(4)).id == 4
    live = ResumePoint()
    assert live.take(event(9)).id == 9 and live.after == 8
