"""The Alembic migrations build exactly the schema the models declare (the CI check)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lakerun.store.db import make_engine
from lakerun.store.tables import metadata


def test_migrations_match_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent(database_url: str) -> None:
    from alembic.script import ScriptDirectory

    from lakerun.store.db import alembic_config, upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    engine.dispose()
