"""crews change state through a machine: state changes may name the crew machine

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 17:45:00

The crews already there get the history the machine would have written:
their creation and, for closed crews, their closing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BEFORE = ("project", "union", "membership", "wage_case")
AFTER = (*BEFORE, "crew")
CONSTRAINT = "ck_state_changes_machine_name"


def _allow_machines(names: tuple[str, ...]) -> None:
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(CONSTRAINT), sa.column("machine").in_(names))


def upgrade() -> None:
    _allow_machines(AFTER)
    op.execute(
        """
        INSERT INTO state_changes (machine, object_id, event, from_state, to_state, "on", actor_id, at, data)
        SELECT 'crew', id, 'create', NULL, 'open', created_on, NULL, CURRENT_TIMESTAMP, '{}' FROM crews
        """
    )
    op.execute(
        """
        INSERT INTO state_changes (machine, object_id, event, from_state, to_state, "on", actor_id, at, data)
        SELECT 'crew', id, 'close', 'open', 'closed', closed_on, NULL, CURRENT_TIMESTAMP, '{}'
        FROM crews WHERE state = 'closed' AND closed_on IS NOT NULL
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM state_changes WHERE machine = 'crew'")
    _allow_machines(BEFORE)
