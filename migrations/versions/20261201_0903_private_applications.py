"""masks that cannot be rebuilt; applications keep what the applicant typed; workers confirmed by an officer; consent records

Revision ID: 0903
Revises: 0008
Create Date: 2026-12-01 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0903"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The mask keeps the province and the last two characters (it kept 3 and 4: rebuildable).
    op.execute("UPDATE workers SET id_masked = substr(id_masked, 1, 2) || '**************' || substr(id_masked, 17, 2)")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_name", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("applicant_phone_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("resubmitted_differently", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("consent_notice", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        for name in (
            "consented_at",
            "consent_notice",
            "resubmitted_differently",
            "applicant_phone_encrypted",
            "applicant_name",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_column("confirmed")
