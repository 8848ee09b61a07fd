"""pending callback-secret deletions and refused repairs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lakerun.store.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Creates the queue of secrets to delete and the reasons of refused repairs."""
    op.create_table(
        "secret_deletions",
        sa.Column("attempt_id", sa.String(length=36), nullable=False),
        sa.Column("not_before", lakerun.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_secret_deletions")),
    )
    with op.batch_alter_table("secret_deletions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_secret_deletions_not_before"), ["not_before"], unique=False)
    op.create_table(
        "repair_refusals",
        sa.Column("attempt_id", sa.String(length=36), nullable=False),
        sa.Column("repair_of", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_at", lakerun.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_repair_refusals")),
    )
    with op.batch_alter_table("repair_refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_refusals_refused_at"), ["refused_at"], unique=False)


def downgrade() -> None:
    """Drops both tables."""
    with op.batch_alter_table("repair_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_refusals_refused_at"))
    op.drop_table("repair_refusals")
    with op.batch_alter_table("secret_deletions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_secret_deletions_not_before"))
    op.drop_table("secret_deletions")
