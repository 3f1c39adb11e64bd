"""indexes for the city totals: each worker's first-membership candidates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 07:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_memberships_first_candidates",
            ["worker_id", "joined_on", "id", "state", "union_id"],
            unique=False,
            sqlite_where=sa.text("transferred_from_id IS NULL"),
            postgresql_where=sa.text("transferred_from_id IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_memberships_first_candidates",
            sqlite_where=sa.text("transferred_from_id IS NULL"),
            postgresql_where=sa.text("transferred_from_id IS NULL"),
        )
