"""officers assigned to projects (and so to their unions)

Revision ID: 0902
Revises: 0008
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0902"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_officers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_project_officers_project_id_projects")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_project_officers_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "project_id", name=op.f("pk_project_officers")),
    )
    with op.batch_alter_table("project_officers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_officers_project_id"), ["project_id"], unique=False)
    # Officers already running a project's union, or who registered a project, are on that project.
    op.execute(
        """
        INSERT INTO project_officers (user_id, project_id)
        SELECT DISTINCT uu.user_id, u.project_id
        FROM user_unions uu JOIN unions u ON u.id = uu.union_id JOIN users us ON us.id = uu.user_id
        WHERE u.project_id IS NOT NULL AND us.role = 'officer'
        UNION
        SELECT p.created_by_id, p.id
        FROM projects p JOIN users us ON us.id = p.created_by_id
        WHERE us.role = 'officer'
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("project_officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_officers_project_id"))
    op.drop_table("project_officers")
