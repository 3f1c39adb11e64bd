"""The survey (摸排): workers who said no to joining, and yearly enrollment targets."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.models._columns import Timestamp, utcnow
from projectunion.models.jurisdictions import Jurisdiction
from projectunion.models.projects import Project
from projectunion.models.workers import Worker


class SurveyDecline(Base):
    """A worker on a site who said no to joining, on a date. Kept, never deleted: the worker leaves the
    site's worklist for a while (``SURVEY_DECLINED_DAYS``) and still counts in the membership rate."""

    __tablename__ = "survey_declines"
    __table_args__ = (sa.Index("ix_survey_declines_project_worker", "project_id", "worker_id", "declined_on"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    project_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("projects.id"))
    worker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workers.id"), index=True)
    declined_on: so.Mapped[dt.date]
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)

    project: so.Mapped[Project] = so.relationship()
    worker: so.Mapped[Worker] = so.relationship()


class EnrollmentTarget(Base):
    """How many new members a jurisdiction means to enroll in a year."""

    __tablename__ = "enrollment_targets"
    __table_args__ = (
        sa.UniqueConstraint("jurisdiction_id", "year", name="uq_enrollment_targets_jurisdiction_year"),
        sa.CheckConstraint("target > 0", name="target_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    jurisdiction_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jurisdictions.id"))
    year: so.Mapped[int]
    target: so.Mapped[int]
    set_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    jurisdiction: so.Mapped[Jurisdiction] = so.relationship()
