"""the survey (摸排): declined marks and yearly enrollment targets

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_declines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("declined_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_survey_declines_project_id_projects")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_survey_declines_recorded_by_id_users")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_survey_declines_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_declines")),
    )
    with op.batch_alter_table("survey_declines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_declines_project_worker", ["project_id", "worker_id", "declined_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_declines_worker_id"), ["worker_id"], unique=False)
    op.create_table(
        "enrollment_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("target > 0", name=op.f("ck_enrollment_targets_target_positive")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_enrollment_targets_jurisdiction_id_jurisdictions")
        ),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"], name=op.f("fk_enrollment_targets_set_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_targets")),
        sa.UniqueConstraint("jurisdiction_id", "year", name="uq_enrollment_targets_jurisdiction_year"),
    )


def downgrade() -> None:
    op.drop_table("enrollment_targets")
    with op.batch_alter_table("survey_declines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_declines_worker_id"))
        batch_op.drop_index("ix_survey_declines_project_worker")
    op.drop_table("survey_declines")
