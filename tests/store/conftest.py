"""Store test fixtures."""

from tests.store.databases import database_url, postgres_database, sqlite_template

__all__ = ["database_url", "postgres_database", "sqlite_template"]
