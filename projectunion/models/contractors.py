from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.lifecycle.declarations import CREW
from projectunion.models._columns import Timestamp, choice, state_type, utcnow
from projectunion.models.workers import Worker

if TYPE_CHECKING:
    from projectunion.models.projects import Project

CONTRACTOR_KINDS = ("general", "subcontractor", "labor_service")
CREW_STATES = CREW.states


class Contractor(Base):
    """A construction or labour-service company (施工/劳务企业), keyed by its USCC."""

    __tablename__ = "contractors"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    uscc: so.Mapped[str] = so.mapped_column(sa.String(18), unique=True)
    kind: so.Mapped[str] = so.mapped_column(choice("contractor_kind", CONTRACTOR_KINDS))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)

    crews: so.Mapped[list[Crew]] = so.relationship(back_populates="contractor", order_by="Crew.name")


class Crew(Base):
    """A contractor's team (班组) with a leader."""

    __tablename__ = "crews"
    __table_args__ = (sa.UniqueConstraint("contractor_id", "name", name="uq_crews_contractor_name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contractor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contractors.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    leader_worker_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("workers.id"))
    state: so.Mapped[str] = so.mapped_column(state_type(CREW), default="open")
    created_on: so.Mapped[dt.date]
    closed_on: so.Mapped[dt.date | None]

    contractor: so.Mapped[Contractor] = so.relationship(back_populates="crews")
    leader: so.Mapped[Worker | None] = so.relationship()
    members: so.Mapped[list[CrewMember]] = so.relationship(back_populates="crew")


class CrewMember(Base):
    """A worker in a crew over a period; joined/left dates are kept, never overwritten."""

    __tablename__ = "crew_members"
    __table_args__ = (
        sa.Index(
            "uq_crew_members_one_current",
            "crew_id",
            "worker_id",
            unique=True,
            sqlite_where=sa.text("left_on IS NULL"),
            postgresql_where=sa.text("left_on IS NULL"),
        ),
        sa.CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    crew_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("crews.id"), index=True)
    worker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workers.id"), index=True)
    joined_on: so.Mapped[dt.date]
    left_on: so.Mapped[dt.date | None]
    # The crew's own record of how to reach the worker: a contractor's edits change these, never
    # the worker's shared contact details. Encrypted like every phone.
    phone_encrypted: so.Mapped[str | None] = so.mapped_column(sa.Text)
    trade: so.Mapped[str | None] = so.mapped_column(sa.String(50))

    crew: so.Mapped[Crew] = so.relationship(back_populates="members")
    worker: so.Mapped[Worker] = so.relationship()

    @property
    def phone(self) -> str | None:
        if not self.phone_encrypted:
            return None
        from projectunion.protection import protector

        return protector().decrypt(self.phone_encrypted)

    @phone.setter
    def phone(self, value: str | None) -> None:
        from projectunion.protection import protector

        self.phone_encrypted = protector().encrypt_phone(value) if value else None


class SiteEntry(Base):
    """A crew's (or a single worker's) entry onto a project site (进场) and exit (退场)."""

    __tablename__ = "site_entries"
    __table_args__ = (
        sa.CheckConstraint("crew_id IS NOT NULL OR worker_id IS NOT NULL", name="crew_or_worker"),
        sa.CheckConstraint("exited_on IS NULL OR exited_on >= entered_on", name="exit_after_entry"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("projects.id"), index=True)
    crew_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("crews.id"), index=True)
    worker_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("workers.id"), index=True)
    entered_on: so.Mapped[dt.date]
    exited_on: so.Mapped[dt.date | None]

    project: so.Mapped[Project] = so.relationship()
    crew: so.Mapped[Crew | None] = so.relationship()
    worker: so.Mapped[Worker | None] = so.relationship()
