"""applications handed on at dissolution: the `handed_on` state and the link from the new membership

Revision ID: 0901
Revises: 0902
Create Date: 2026-12-01 18:30:00

An application still pending when its union closes is approved into the
successor union instead: the application becomes `handed_on` and the new
membership names it in `application_id`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0901"
down_revision = "0902"
branch_labels = None
depends_on = None

BEFORE = ("pending", "active", "rejected", "ended", "transferred")
AFTER = (*BEFORE, "handed_on")
CONSTRAINT = "ck_memberships_membership_state"


def _allow_states(states: tuple[str, ...]) -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(CONSTRAINT), sa.column("state").in_(states))


def upgrade() -> None:
    _allow_states(AFTER)
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_memberships_application_id_memberships"), "memberships", ["application_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_memberships_application_id"), ["application_id"], unique=False)


def downgrade() -> None:
    op.execute("UPDATE memberships SET state = 'rejected' WHERE state = 'handed_on'")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_application_id"))
        batch_op.drop_constraint(batch_op.f("fk_memberships_application_id_memberships"), type_="foreignkey")
        batch_op.drop_column("application_id")
    _allow_states(BEFORE)
