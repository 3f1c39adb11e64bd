"""names in their one normalised form: no space between Chinese characters

A name typed "黄 涛" was stored with its space, and the same person typed as
"黄涛" later was refused as "registered under another name". Names are now
normalised by ``projectunion.realname.normalize_name`` before they are stored
or compared; this brings the names stored before into the same form.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projectunion.realname import RealNameError, normalize_name

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

workers = sa.table("workers", sa.column("id", sa.Integer), sa.column("name", sa.String))


def upgrade() -> None:
    connection = op.get_bind()
    changed = []
    for worker_id, name in connection.execute(sa.select(workers.c.id, workers.c.name)):
        try:
            clean = normalize_name(name)
        except RealNameError:  # a name the old rules let in and the new ones refuse: left for an officer to fix
            continue
        if clean != name:
            changed.append({"worker_id": worker_id, "clean": clean})
    if changed:
        connection.execute(
            workers.update().where(workers.c.id == sa.bindparam("worker_id")).values(name=sa.bindparam("clean")),
            changed,
        )


def downgrade() -> None:
    """The spaces removed are not kept anywhere: nothing to undo."""
