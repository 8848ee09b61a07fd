"""Writers to one SQLite file queue on the process's lock: held from the first write to the transaction's end."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from lakerun.store.db import make_engine
from lakerun.store.sqlite_writers import connection_factory, writes


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("INSERT INTO t VALUES (1)", True),
        ("  update t set a = 1", True),
        ("DELETE FROM t", True),
        ("BEGIN IMMEDIATE", True),
        ("CREATE TABLE t (a)", True),
        ("SELECT * FROM t", False),
        ("PRAGMA journal_mode=WAL", False),
        ("BEGIN", False),
        ("COMMIT", False),
        ("ROLLBACK TO SAVEPOINT sa_1", False),
        ("SAVEPOINT sa_1", False),
        ("", False),
    ],
)
def test_which_statements_take_the_write_lock(statement: str, expected: bool) -> None:
    assert writes(statement) is expected


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "queued.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (a INTEGER)")
    setup.close()
    yield path


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, factory=connection_factory(str(path)), check_same_thread=False, timeout=30)


def test_a_second_writer_waits_for_the_first_transaction_to_end(database: Path) -> None:
    first, second = connect(database), connect(database)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    lock = connection_factory(str(database)).write_lock
    assert lock.locked()
    written = threading.Event()

    def write_second() -> None:
        second.cursor().execute("INSERT INTO t VALUES (2)")
        written.set()
        second.commit()

    thread = threading.Thread(target=write_second)
    thread.start()
    assert not written.wait(0.3)
    first.commit()
    thread.join(10)
    assert written.is_set() and not lock.locked()
    assert [row[0] for row in first.execute("SELECT a FROM t ORDER BY a")] == [1, 2]
    first.close()
    second.close()


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_every_end_of_a_transaction_gives_the_lock_back(database: Path, end: str) -> None:
    connection = connect(database)
    connection.cursor().execute("INSERT INTO t VALUES (1)")
    getattr(connection, end)()
    assert not connection_factory(str(database)).write_lock.locked()
    if end != "close":
        connection.close()


def test_reads_and_failed_writes_leave_the_lock_free(database: Path) -> None:
    connection = connect(database)
    cursor = connection.cursor()
    cursor.execute("SELECT count(*) FROM t")
    with pytest.raises(sqlite3.OperationalError):
        cursor.execute("INSERT INTO missing VALUES (1)")
    assert not connection_factory(str(database)).write_lock.locked()
    connection.close()


def test_concurrent_engine_writers_all_commit(tmp_path: Path) -> None:
    """Sixteen threads of read-modify-write through the engine: every increment lands, none times out."""
    engine = make_engine(f"sqlite:///{tmp_path / 'counter.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))

    def add(_: int) -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
            conn.execute(text("INSERT INTO counter SELECT -1 WHERE 0"))

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(add, range(400)))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter WHERE n >= 0")).scalar_one() == 400
    engine.dispose()
