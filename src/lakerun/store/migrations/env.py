"""Alembic environment: runs migrations on the engine the caller put in the configuration."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from lakerun.store.tables import metadata


def run_migrations_online() -> None:
    """Applies migrations inside one transaction on the caller's engine."""
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
