"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 06:33:44.424337
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contractors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "general",
                "subcontractor",
                "labor_service",
                name="contractor_kind",
                native_enum=False,
                create_constraint=True,
                length=21,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractors")),
        sa.UniqueConstraint("uscc", name=op.f("uq_contractors_uscc")),
    )
    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column(
            "level",
            sa.Enum(
                "city",
                "district",
                "town",
                name="jurisdiction_level",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["jurisdictions.id"], name=op.f("fk_jurisdictions_parent_id_jurisdictions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdictions")),
        sa.UniqueConstraint("code", name=op.f("uq_jurisdictions_code")),
    )
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jurisdictions_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jurisdictions_path"), ["path"], unique=False)

    op.create_table(
        "workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_digest", sa.String(length=64), nullable=False),
        sa.Column("id_encrypted", sa.Text(), nullable=False),
        sa.Column("id_masked", sa.String(length=18), nullable=False),
        sa.Column("id_last4", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=True),
        sa.Column("trade", sa.String(length=50), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column(
            "gender",
            sa.Enum("M", "F", name="gender", native_enum=False, create_constraint=True, length=9),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("origin_province_code", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
        sa.UniqueConstraint("id_digest", name=op.f("uq_workers_id_digest")),
    )
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workers_id_last4"), ["id_last4"], unique=False)
        batch_op.create_index(batch_op.f("ix_workers_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_workers_origin_province_code"), ["origin_province_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_workers_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_workers_trade"), ["trade"], unique=False)

    op.create_table(
        "crews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("leader_worker_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("open", "closed", name="crew_state", native_enum=False, create_constraint=True, length=14),
            nullable=False,
        ),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["contractor_id"], ["contractors.id"], name=op.f("fk_crews_contractor_id_contractors")),
        sa.ForeignKeyConstraint(["leader_worker_id"], ["workers.id"], name=op.f("fk_crews_leader_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crews")),
        sa.UniqueConstraint("contractor_id", "name", name="uq_crews_contractor_name"),
    )
    with op.batch_alter_table("crews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crews_contractor_id"), ["contractor_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "officer",
                "union_staff",
                "contractor",
                "city_staff",
                "admin",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=19,
            ),
            nullable=False,
        ),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=True),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column("can_reveal_id", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role <> 'contractor' OR contractor_id IS NOT NULL", name=op.f("ck_users_contractor_user_has_contractor")
        ),
        sa.CheckConstraint(
            "role <> 'union_staff' OR jurisdiction_id IS NOT NULL", name=op.f("ck_users_staff_user_has_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["contractor_id"], ["contractors.id"], name=op.f("fk_users_contractor_id_contractors")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_users_jurisdiction_id_jurisdictions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "crew_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.CheckConstraint("left_on IS NULL OR left_on >= joined_on", name=op.f("ck_crew_members_left_after_joined")),
        sa.ForeignKeyConstraint(["crew_id"], ["crews.id"], name=op.f("fk_crew_members_crew_id_crews")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_crew_members_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_members")),
    )
    with op.batch_alter_table("crew_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crew_members_crew_id"), ["crew_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_crew_members_worker_id"), ["worker_id"], unique=False)
        batch_op.create_index(
            "uq_crew_members_one_current",
            ["crew_id", "worker_id"],
            unique=True,
            sqlite_where=sa.text("left_on IS NULL"),
            postgresql_where=sa.text("left_on IS NULL"),
        )

    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("permit_no", sa.String(length=64), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("general_contractor_id", sa.Integer(), nullable=True),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("actual_start", sa.Date(), nullable=True),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "planned",
                "under_construction",
                "halted",
                "completed",
                "cancelled",
                name="project_state",
                native_enum=False,
                create_constraint=True,
                length=26,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_projects_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["general_contractor_id"], ["contractors.id"], name=op.f("fk_projects_general_contractor_id_contractors")
        ),
        sa.ForeignKeyConstraint(["town_id"], ["jurisdictions.id"], name=op.f("fk_projects_town_id_jurisdictions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("permit_no", name=op.f("uq_projects_permit_no")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_general_contractor_id"), ["general_contractor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_town_id"), ["town_id"], unique=False)

    op.create_table(
        "state_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "machine",
            sa.Enum(
                "project",
                "union",
                "membership",
                "wage_case",
                name="machine_name",
                native_enum=False,
                create_constraint=True,
                length=18,
            ),
            nullable=False,
        ),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=40), nullable=True),
        sa.Column("to_state", sa.String(length=40), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_state_changes_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_changes")),
    )
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.create_index("ix_state_changes_event_on", ["machine", "event", "on"], unique=False)
        batch_op.create_index("ix_state_changes_object", ["machine", "object_id", "id"], unique=False)

    op.create_table(
        "site_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.CheckConstraint("crew_id IS NOT NULL OR worker_id IS NOT NULL", name=op.f("ck_site_entries_crew_or_worker")),
        sa.CheckConstraint(
            "exited_on IS NULL OR exited_on >= entered_on", name=op.f("ck_site_entries_exit_after_entry")
        ),
        sa.ForeignKeyConstraint(["crew_id"], ["crews.id"], name=op.f("fk_site_entries_crew_id_crews")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_site_entries_project_id_projects")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_site_entries_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_entries")),
    )
    with op.batch_alter_table("site_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_entries_crew_id"), ["crew_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_entries_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_entries_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "unions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "project",
                "regional",
                "industry",
                name="union_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "preparing",
                "active",
                "suspended",
                "dissolving",
                "dissolved",
                name="union_state",
                native_enum=False,
                create_constraint=True,
                length=18,
            ),
            nullable=False,
        ),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("chair_membership_id", sa.Integer(), nullable=True),
        sa.Column("successor_union_id", sa.Integer(), nullable=True),
        sa.Column("join_token_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("join_token_expires_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'project') = (project_id IS NOT NULL)", name=op.f("ck_unions_project_union_has_project")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_unions_jurisdiction_id_jurisdictions")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_unions_project_id_projects")),
        sa.ForeignKeyConstraint(
            ["successor_union_id"], ["unions.id"], name=op.f("fk_unions_successor_union_id_unions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unions")),
        sa.UniqueConstraint("project_id", name=op.f("uq_unions_project_id")),
    )
    with op.batch_alter_table("unions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unions_jurisdiction_id"), ["jurisdiction_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unions_state"), ["state"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("union_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "active",
                "rejected",
                "ended",
                "transferred",
                name="membership_state",
                native_enum=False,
                create_constraint=True,
                length=19,
            ),
            nullable=False,
        ),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "left_site",
                "project_completed",
                "withdrew",
                "deceased",
                "other",
                name="end_reason",
                native_enum=False,
                create_constraint=True,
                length=25,
            ),
            nullable=True,
        ),
        sa.Column("transferred_from_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "officer",
                "application",
                "crew",
                "transfer",
                "dissolution",
                "import",
                name="membership_source",
                native_enum=False,
                create_constraint=True,
                length=19,
            ),
            nullable=False,
        ),
        sa.Column(
            "consent",
            sa.Enum(
                "paper",
                "qr",
                "api",
                "transfer",
                name="membership_consent",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("wants_transfer", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("receipt_code", sa.String(length=32), nullable=True),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= joined_on", name=op.f("ck_memberships_ended_after_joined")),
        sa.ForeignKeyConstraint(
            ["contractor_id"], ["contractors.id"], name=op.f("fk_memberships_contractor_id_contractors")
        ),
        sa.ForeignKeyConstraint(["crew_id"], ["crews.id"], name=op.f("fk_memberships_crew_id_crews")),
        sa.ForeignKeyConstraint(
            ["transferred_from_id"], ["memberships.id"], name=op.f("fk_memberships_transferred_from_id_memberships")
        ),
        sa.ForeignKeyConstraint(["union_id"], ["unions.id"], name=op.f("fk_memberships_union_id_unions")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_memberships_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("receipt_code", name=op.f("uq_memberships_receipt_code")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_transferred_from_id"), ["transferred_from_id"], unique=False)
        batch_op.create_index("ix_memberships_union_state", ["union_id", "state"], unique=False)
        batch_op.create_index("ix_memberships_worker_joined", ["worker_id", "joined_on"], unique=False)
        batch_op.create_index(
            "uq_memberships_one_active_per_worker",
            ["worker_id"],
            unique=True,
            sqlite_where=sa.text("state = 'active'"),
            postgresql_where=sa.text("state = 'active'"),
        )
        batch_op.create_index(
            "uq_memberships_one_pending_per_union",
            ["worker_id", "union_id"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )

    # unions.chair_membership_id and memberships.union_id refer to each other.
    with op.batch_alter_table("unions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_unions_chair_membership_id_memberships"), "memberships", ["chair_membership_id"], ["id"]
        )

    op.create_table(
        "service_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "training",
                "hardship_aid",
                "student_aid",
                "legal_aid",
                "holiday_visit",
                name="service_kind",
                native_enum=False,
                create_constraint=True,
                length=21,
            ),
            nullable=False,
        ),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("union_id", sa.Integer(), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_service_records_amount_not_negative")),
        sa.ForeignKeyConstraint(["union_id"], ["unions.id"], name=op.f("fk_service_records_union_id_unions")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_service_records_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_records")),
    )
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.create_index("ix_service_records_kind_served", ["kind", "served_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_records_union_id"), ["union_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_records_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "user_unions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("union_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["union_id"], ["unions.id"], name=op.f("fk_user_unions_union_id_unions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_unions_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "union_id", name=op.f("pk_user_unions")),
    )
    with op.batch_alter_table("user_unions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_unions_union_id"), ["union_id"], unique=False)

    op.create_table(
        "wage_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("union_id", sa.Integer(), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "mediating",
                "escalated",
                "resolved",
                name="wage_case_state",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("amount_claimed", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amount_recovered", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_claimed >= 0", name=op.f("ck_wage_cases_claimed_not_negative")),
        sa.CheckConstraint("amount_recovered >= 0", name=op.f("ck_wage_cases_recovered_not_negative")),
        sa.ForeignKeyConstraint(
            ["contractor_id"], ["contractors.id"], name=op.f("fk_wage_cases_contractor_id_contractors")
        ),
        sa.ForeignKeyConstraint(["union_id"], ["unions.id"], name=op.f("fk_wage_cases_union_id_unions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wage_cases")),
    )
    with op.batch_alter_table("wage_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wage_cases_contractor_id"), ["contractor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wage_cases_resolved_on"), ["resolved_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_wage_cases_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_wage_cases_union_id"), ["union_id"], unique=False)

    op.create_table(
        "wage_case_workers",
        sa.Column("wage_case_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wage_case_id"], ["wage_cases.id"], name=op.f("fk_wage_case_workers_wage_case_id_wage_cases")
        ),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_wage_case_workers_worker_id_workers")),
        sa.PrimaryKeyConstraint("wage_case_id", "worker_id", name=op.f("pk_wage_case_workers")),
    )
    with op.batch_alter_table("wage_case_workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wage_case_workers_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_unions_chair_membership_id_memberships"), type_="foreignkey")
    with op.batch_alter_table("wage_case_workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wage_case_workers_worker_id"))

    op.drop_table("wage_case_workers")
    with op.batch_alter_table("wage_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wage_cases_union_id"))
        batch_op.drop_index(batch_op.f("ix_wage_cases_state"))
        batch_op.drop_index(batch_op.f("ix_wage_cases_resolved_on"))
        batch_op.drop_index(batch_op.f("ix_wage_cases_contractor_id"))

    op.drop_table("wage_cases")
    with op.batch_alter_table("user_unions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_unions_union_id"))

    op.drop_table("user_unions")
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_records_worker_id"))
        batch_op.drop_index(batch_op.f("ix_service_records_union_id"))
        batch_op.drop_index("ix_service_records_kind_served")

    op.drop_table("service_records")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_memberships_one_pending_per_union",
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.drop_index(
            "uq_memberships_one_active_per_worker",
            sqlite_where=sa.text("state = 'active'"),
            postgresql_where=sa.text("state = 'active'"),
        )
        batch_op.drop_index("ix_memberships_worker_joined")
        batch_op.drop_index("ix_memberships_union_state")
        batch_op.drop_index(batch_op.f("ix_memberships_transferred_from_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("unions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unions_state"))
        batch_op.drop_index(batch_op.f("ix_unions_jurisdiction_id"))

    op.drop_table("unions")
    with op.batch_alter_table("site_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_entries_worker_id"))
        batch_op.drop_index(batch_op.f("ix_site_entries_project_id"))
        batch_op.drop_index(batch_op.f("ix_site_entries_crew_id"))

    op.drop_table("site_entries")
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_state_changes_object")
        batch_op.drop_index("ix_state_changes_event_on")

    op.drop_table("state_changes")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_town_id"))
        batch_op.drop_index(batch_op.f("ix_projects_state"))
        batch_op.drop_index(batch_op.f("ix_projects_general_contractor_id"))

    op.drop_table("projects")
    with op.batch_alter_table("crew_members", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_crew_members_one_current",
            sqlite_where=sa.text("left_on IS NULL"),
            postgresql_where=sa.text("left_on IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_crew_members_worker_id"))
        batch_op.drop_index(batch_op.f("ix_crew_members_crew_id"))

    op.drop_table("crew_members")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object")
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))

    op.drop_table("audit_events")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("crews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crews_contractor_id"))

    op.drop_table("crews")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workers_trade"))
        batch_op.drop_index(batch_op.f("ix_workers_phone"))
        batch_op.drop_index(batch_op.f("ix_workers_origin_province_code"))
        batch_op.drop_index(batch_op.f("ix_workers_name"))
        batch_op.drop_index(batch_op.f("ix_workers_id_last4"))

    op.drop_table("workers")
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jurisdictions_path"))
        batch_op.drop_index(batch_op.f("ix_jurisdictions_parent_id"))

    op.drop_table("jurisdictions")
    op.drop_table("contractors")
