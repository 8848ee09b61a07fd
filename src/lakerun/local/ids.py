"""Ids of jobs and runs: one increasing sequence in the state database, never reused."""

from __future__ import annotations

from lakerun.local.db import StateDB

SCHEMA = "CREATE TABLE IF NOT EXISTS id_sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"


def next_id(db: StateDB, name: str = "jobs") -> int:
    """The next id of a sequence (jobs and runs share one, so an id names one object)."""
    with db.transaction() as conn:
        conn.execute(SCHEMA)
        conn.execute(
            "INSERT INTO id_sequence (name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1",
            (name,),
        )
        row = conn.execute("SELECT value FROM id_sequence WHERE name = ?", (name,)).fetchone()
        return int(row[0])
