"""Job runs kept in the workspace's state database, with an index from task-run ids to their run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lakerun.local.db import StateDB
from lakerun.local.errors import invalid_parameter
from lakerun.local.run_model import TERMINAL_STATES, JobRun

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    job_id INTEGER,
    start_time INTEGER NOT NULL,
    active INTEGER NOT NULL,
    run_type TEXT NOT NULL,
    idempotency_token TEXT UNIQUE,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job_id, run_id);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (start_time, run_id);
CREATE INDEX IF NOT EXISTS runs_active_by_start ON runs (active, start_time, run_id);
CREATE TABLE IF NOT EXISTS task_runs (run_id INTEGER PRIMARY KEY, parent_run_id INTEGER NOT NULL);
"""


@dataclass
class RunFilter:
    """The filters of runs/list."""

    job_id: int | None = None
    active_only: bool = False
    completed_only: bool = False
    run_type: str | None = None
    start_time_from: int | None = None
    start_time_to: int | None = None


class RunStore:
    """Durable run records; the engine saves a run after every change."""

    def __init__(self, db: StateDB) -> None:
        self.db = db
        db.script(SCHEMA)

    def save(self, run: JobRun) -> None:
        """Writes the whole record (and indexes its task runs) in one transaction."""
        active = int(run.life_cycle_state not in TERMINAL_STATES)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO runs (run_id, job_id, start_time, active, run_type, idempotency_token, doc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id) DO UPDATE SET active = excluded.active, "
                "doc = excluded.doc",
                (
                    run.run_id,
                    run.job_id,
                    run.start_time,
                    active,
                    run.run_type,
                    run.idempotency_token,
                    json.dumps(run.to_json()),
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO task_runs (run_id, parent_run_id) VALUES (?, ?)",
                [(task.run_id, run.run_id) for task in (*run.processes, *run.past_attempts)],
            )

    def get(self, run_id: int) -> JobRun | None:
        """The run with this id, if stored."""
        rows = self.db.query("SELECT doc FROM runs WHERE run_id = ?", (run_id,))
        return JobRun.from_json(json.loads(rows[0]["doc"])) if rows else None

    def parent_of(self, task_run_id: int) -> int | None:
        """The job run a task run (any attempt) belongs to."""
        rows = self.db.query("SELECT parent_run_id FROM task_runs WHERE run_id = ?", (task_run_id,))
        return int(rows[0][0]) if rows else None

    def by_token(self, token: str) -> int | None:
        """The run started with an idempotency token, if any."""
        rows = self.db.query("SELECT run_id FROM runs WHERE idempotency_token = ?", (token,))
        return int(rows[0][0]) if rows else None

    def active(self) -> list[JobRun]:
        """Every run not yet terminal, oldest first."""
        rows = self.db.query("SELECT doc FROM runs WHERE active = 1 ORDER BY run_id")
        return [JobRun.from_json(json.loads(row["doc"])) for row in rows]

    def delete(self, run_id: int) -> None:
        """Forgets a run and its task runs."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            conn.execute("DELETE FROM task_runs WHERE parent_run_id = ?", (run_id,))

    def list(self, where: RunFilter, offset: int, limit: int) -> tuple[list[JobRun], bool]:
        """One page of runs, newest first, and whether more follow."""
        if where.active_only and where.completed_only:
            raise invalid_parameter("active_only and completed_only cannot both be true")
        clauses, args = _clauses(where)
        sql = f"SELECT doc FROM runs {clauses} ORDER BY start_time DESC, run_id DESC LIMIT ? OFFSET ?"
        rows = self.db.query(sql, (*args, limit + 1, offset))
        runs = [JobRun.from_json(json.loads(row["doc"])) for row in rows[:limit]]
        return runs, len(rows) > limit


def _clauses(where: RunFilter) -> tuple[str, tuple[Any, ...]]:
    conditions: list[str] = []
    args: list[Any] = []
    for sql, value in (
        ("job_id = ?", where.job_id),
        ("run_type = ?", where.run_type),
        ("start_time >= ?", where.start_time_from),
        ("start_time <= ?", where.start_time_to),
    ):
        if value is not None:
            conditions.append(sql)
            args.append(value)
    if where.active_only:
        conditions.append("active = 1")
    if where.completed_only:
        conditions.append("active = 0")
    return ("WHERE " + " AND ".join(conditions)) if conditions else "", tuple(args)
