"""masks that cannot be rebuilt; phones encrypted; crews keep their own contact records; applications keep what the applicant typed; workers confirmed by an officer; consent records

Revision ID: 0903
Revises: 0904
Create Date: 2026-12-01 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0903"
down_revision = "0904"
branch_labels = None
depends_on = None


def _protector():
    """The app's data key: phones are encrypted with it like ID numbers."""
    from flask import current_app, has_app_context

    from projectunion.realname import IdProtector

    if has_app_context():
        return IdProtector(current_app.config["DATA_KEY"])
    from projectunion import create_app

    return IdProtector(create_app().config["DATA_KEY"])


def _encrypt_phones() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, phone FROM workers WHERE phone IS NOT NULL")).all()
    if not rows:
        return
    p = _protector()
    conn.execute(
        sa.text("UPDATE workers SET phone_encrypted = :phone_encrypted, phone_digest = :phone_digest WHERE id = :id"),
        [{"id": row.id, **p.phone_columns(row.phone)} for row in rows],
    )


def _decrypt_phones() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, phone_encrypted FROM workers WHERE phone_encrypted IS NOT NULL")).all()
    if not rows:
        return
    p = _protector()
    conn.execute(
        sa.text("UPDATE workers SET phone = :phone WHERE id = :id"),
        [{"id": row.id, "phone": p.decrypt(row.phone_encrypted)} for row in rows],
    )


def upgrade() -> None:
    # The mask keeps the province and the last two characters (it kept 3 and 4: rebuildable).
    op.execute("UPDATE workers SET id_masked = substr(id_masked, 1, 2) || '**************' || substr(id_masked, 17, 2)")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("phone_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phone_digest", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_workers_phone_digest"), ["phone_digest"], unique=False)
    _encrypt_phones()
    # A crew keeps its own record of its members' phone and trade, starting from the shared one.
    with op.batch_alter_table("crew_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("trade", sa.String(length=50), nullable=True))
    op.execute(
        "UPDATE crew_members SET"
        " phone_encrypted = (SELECT w.phone_encrypted FROM workers w WHERE w.id = crew_members.worker_id),"
        " trade = (SELECT w.trade FROM workers w WHERE w.id = crew_members.worker_id)"
    )
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workers_phone"))
        batch_op.drop_column("phone")
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
        batch_op.add_column(sa.Column("phone", sa.String(length=11), nullable=True))
        batch_op.create_index(batch_op.f("ix_workers_phone"), ["phone"], unique=False)
    _decrypt_phones()
    with op.batch_alter_table("crew_members", schema=None) as batch_op:
        batch_op.drop_column("trade")
        batch_op.drop_column("phone_encrypted")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workers_phone_digest"))
        batch_op.drop_column("phone_digest")
        batch_op.drop_column("phone_encrypted")
        batch_op.drop_column("confirmed")
