"""launch outbox: intents committed with their attempt and claimed by launchers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lakerun.store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Creates the outbox and queues the attempts that were waiting for their launch."""
    op.create_table(
        "launch_intents",
        sa.Column("attempt_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", lakerun.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("not_before", lakerun.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", lakerun.store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_launch_intents_attempt_id_attempts")
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_launch_intents")),
    )
    with op.batch_alter_table("launch_intents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_launch_intents_not_before"), ["not_before"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_launch_intents_workspace_name"), ["workspace_name"], unique=False
        )
    op.execute(
        "INSERT INTO launch_intents (attempt_id, workspace_name, kind, payload, created_at, not_before, tries) "
        "SELECT id, workspace_name, 'launch', '{}', created_at, created_at, 0 FROM attempts "
        "WHERE run_id IS NULL AND repair_of IS NULL AND status IN ('CREATING', 'QUEUED', 'RUNNING')"
    )


def downgrade() -> None:
    """Drops the outbox."""
    with op.batch_alter_table("launch_intents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_launch_intents_workspace_name"))
        batch_op.drop_index(batch_op.f("ix_launch_intents_not_before"))
    op.drop_table("launch_intents")
