"""a hash chain over state changes and audit events; rows already there are sealed in id order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("state_changes", "audit_events")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
            batch_op.create_unique_constraint(batch_op.f(f"uq_{name}_chain_seq"), ["chain_seq"])
    from projectunion.audit_chain import seal

    bind = op.get_bind()
    metadata = sa.MetaData()
    seal(bind, tuple(sa.Table(name, metadata, autoload_with=bind) for name in TABLES))


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{name}_chain_seq"), type_="unique")
            batch_op.drop_column("chain_hash")
            batch_op.drop_column("chain_seq")
