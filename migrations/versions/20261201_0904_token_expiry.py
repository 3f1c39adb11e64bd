"""API tokens expire: every token gets an expiry; tokens made before it expire 90 days after this migration

Revision ID: 0904
Revises: 0901
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0904"
down_revision = "0901"
branch_labels = None
depends_on = None

#: What a token made before expiries existed is given: the default lifetime of a new one.
GRACE = dt.timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=dt.datetime.now(dt.UTC) + GRACE))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
