"""nifi flows inventory

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lakerun.store.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "nifi_flows",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("task_path", sa.Text(), nullable=False),
        sa.Column("output_root", sa.Text(), nullable=False),
        sa.Column("workspace_name", sa.String(length=100), nullable=False),
        sa.Column("wheel", sa.Text(), nullable=True),
        sa.Column("source_format", sa.String(length=50), nullable=True),
        sa.Column("process_groups", sa.Integer(), nullable=False),
        sa.Column("processors", sa.Integer(), nullable=False),
        sa.Column("load_error", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("created_at", lakerun.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lakerun.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nifi_flows")),
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_table("nifi_flows")
