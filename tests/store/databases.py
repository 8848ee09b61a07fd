"""Database fixtures for control-plane tests: each test gets a migrated SQLite file or PostgreSQL schema."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from lakerun.store.db import make_engine, upgrade
from lakerun.store.tables import metadata
from tests.support.components import unavailable

PG_SERVER = os.environ.get("LAKERUN_TEST_PG", "postgresql+psycopg://{user}@127.0.0.1:5432/test")


def _admin_engine() -> Engine | None:
    for user in ("postgres", "root"):
        engine = create_engine(PG_SERVER.format(user=user), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect():
                return engine
        except Exception:
            engine.dispose()
    return None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head and dropped afterwards."""
    admin = _admin_engine()
    if admin is None:
        unavailable("postgres", "no PostgreSQL server reachable at 127.0.0.1:5432 (db test, trust auth)")
    name = f"lakerun_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "control.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated control-plane database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "control.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _truncate_all(url)
    return url
