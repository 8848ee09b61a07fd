"""api tokens: scope, expiry and revocation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lakerun.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision; tokens issued before it keep the full (`admin`) rights they had."""
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=10), server_default="admin", nullable=False))
        batch.add_column(
            sa.Column("expires_at", lakerun.store.models.UtcDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("revoked_at", lakerun.store.models.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
        batch.drop_column("scope")
