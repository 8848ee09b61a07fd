"""Opening the control-plane database: SQLite under the lakerun home by default, PostgreSQL by URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

import lakerun.store.tables  # noqa: F401  (every table registered before a session flushes)
from lakerun.errors import LakerunError
from lakerun.store.private import private_file, private_folder
from lakerun.store.sqlite_writers import connection_factory

MIGRATIONS = "lakerun.store:migrations"


def default_url(home: Path) -> str:
    """The SQLite file the control plane uses when no database URL is given (its folder created 0700)."""
    private_folder(home)
    return f"sqlite:///{(home / 'control.db').resolve()}"


def normalise_url(url: str) -> str:
    """Makes plain `postgresql://` URLs use psycopg 3, the driver lakerun ships."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned per backend: WAL, a busy timeout and queued writers on SQLite, pre-ping on PostgreSQL."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
        if database and database != ":memory:" and not database.startswith("file:"):
            private_file(Path(database))
            connect_args["factory"] = connection_factory(database)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)
    event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
    return engine


def _without_nul(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """Replaces NUL characters in every bound string: PostgreSQL text cannot hold them, and task logs,
    errors and raw states from a workspace may carry them (U+FFFD keeps the spot visible)."""
    return statement, _clean(parameters)


def _clean(value: Any) -> Any:
    """`value` with NUL replaced in its strings: one parameter set (mapping or sequence) or a list of them."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clean(item) for item in value)
    return value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def lock_for_write(session: Session) -> None:
    """Takes SQLite's write lock now (`BEGIN IMMEDIATE`), so a read-modify-write cannot interleave with another.

    SQLite ignores `SELECT ... FOR UPDATE`; PostgreSQL needs nothing here (its row locks do the job).
    Inside a transaction that already wrote, the lock is held and nothing is done.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to `engine`, using the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["engine"] = engine
    return config


class SchemaTooNewError(LakerunError):
    """The database was migrated by a newer lakerun: starting would corrupt it, so nothing starts."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against the migrations this lakerun ships."""

    current: str | None
    head: str
    known: bool

    @property
    def at_head(self) -> bool:
        """True when no migration is pending."""
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    """The database's revision, the shipped head, and whether this lakerun knows that revision."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = script.get_current_head() or ""
    known = current is None or current in {rev.revision for rev in script.walk_revisions()}
    return SchemaState(current, head, known)


def upgrade(engine: Engine) -> None:
    """Brings the schema to the latest migration (safe at every start); refuses a database from a newer lakerun."""
    state = schema_state(engine)
    if not state.known:
        raise SchemaTooNewError(
            f"the database is at revision {state.current}, which this lakerun does not know "
            f"(its newest is {state.head}): it was migrated by a newer lakerun; upgrade lakerun instead"
        )
    if not state.at_head:
        command.upgrade(alembic_config(engine), "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit, so results can be returned past the boundary."""
    return sessionmaker(engine, expire_on_commit=False)
