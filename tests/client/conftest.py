"""The client is tested against the whole stack the server tests use (a served control plane + local workspace)."""

from __future__ import annotations

from tests.server.conftest import database_url, postgres_database, sqlite_template, stack

__all__ = ["database_url", "postgres_database", "sqlite_template", "stack"]
