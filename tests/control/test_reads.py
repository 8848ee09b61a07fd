"""The read side the dashboard and API use: each question answered in plain rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from dataclasses import is_dataclass

from lakerun.control import reads
from lakerun.control.callbacks import attempt_secret
from lakerun.control.events import EventFilter
from lakerun.control.plane import ControlPlane
from lakerun.runtime.signing import sign
from tests.control.conftest import make_attempt


def callback(plane: ControlPlane, attempt_id: str, sequence: int, kind: str, payload: dict) -> str:
    body = json.dumps(
        {"sequence": sequence, "kind": kind, "sent_at": time.time(), "payload": payload}
    ).encode()
    timestamp = str(int(time.time()))
    signature = sign(attempt_secret(plane.ctx.server_key, attempt_id), timestamp, body)
    return plane.receive_callback(attempt_id, body, timestamp, signature)


def test_live_signals_come_from_the_newest_progress(plane: ControlPlane) -> None:
    attempt, quiet = make_attempt(plane, "live"), make_attempt(plane, "quiet")
    callback(plane, attempt.id, 1, "progress", {"progress": 0.2, "task": "extract", "message": "reading"})
    callback(plane, attempt.id, 2, "progress", {"progress": 0.6, "task": "load", "message": "writing 3 of 5"})

    signals = reads.live_signals(plane.ctx, [attempt.id, quiet.id])

    assert is_dataclass(signals[attempt.id])
    assert (signals[attempt.id].current_task, signals[attempt.id].message) == ("load", "writing 3 of 5")
    assert signals[attempt.id].eta_sent_at is not None
    assert (signals[quiet.id].current_task, signals[quiet.id].message) == (None, None)
    assert reads.live_signals(plane.ctx, []) == {}


def test_statuses_and_counts(plane: ControlPlane) -> None:
    done, waiting = make_attempt(plane, "done"), make_attempt(plane, "waiting")
    callback(plane, done.id, 1, "completed", {"result": {"rows": 1}})

    assert reads.attempt_statuses(plane.ctx, [done.id, waiting.id, "no-such-id"]) == {
        done.id: "SUCCESS",
        waiting.id: "CREATING",
    }
    assert reads.attempts_by_status(plane.ctx) == {"SUCCESS": 1, "CREATING": 1}


def test_layer_figures_keep_the_last_metric_per_layer(plane: ControlPlane) -> None:
    attempt = make_attempt(plane, "pipe:__all__")
    metric = {"name": "pipeline_layer", "task": "bronze", "value": {"rows_written": 1}}
    callback(plane, attempt.id, 1, "metric", metric)
    callback(plane, attempt.id, 2, "metric", {**metric, "value": {"rows_written": 7}})
    callback(plane, attempt.id, 3, "metric", {"name": "other", "task": "silver", "value": {"x": 1}})
    callback(
        plane, attempt.id, 4, "metric", {"name": "pipeline_layer", "task": "gold", "value": "not a dict"}
    )

    assert reads.layer_figures(plane.ctx, attempt.id) == {"bronze": {"rows_written": 7}}
    assert reads.task_statuses(plane.ctx, attempt.id) == {}


def test_events_after_replays_in_order_through_the_filter(plane: ControlPlane) -> None:
    first, second = make_attempt(plane, "one"), make_attempt(plane, "two")
    callback(plane, first.id, 1, "progress", {"progress": 0.5})

    everything = reads.events_after(plane.ctx, 0, EventFilter(), 100)
    only_first = reads.events_after(plane.ctx, 0, EventFilter(attempts=frozenset({first.id})), 100)

    assert [e.id for e in everything] == sorted(e.id for e in everything)
    assert {e.attempt_id for e in everything} == {first.id, second.id}
    assert only_first and {e.attempt_id for e in only_first} == {first.id}
    assert reads.events_after(plane.ctx, everything[-1].id, EventFilter(), 100) == []
    assert len(reads.events_after(plane.ctx, 0, EventFilter(), 1)) == 1


def test_database_state_is_at_head(plane: ControlPlane) -> None:
    state = reads.database_state(plane.ctx)
    assert state.at_head and state.known
