from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.lifecycle.declarations import ACTIVATED, END_REASONS, MEMBERSHIP
from projectunion.models._columns import Timestamp, choice, state_type, utcnow
from projectunion.models.unions import Union
from projectunion.models.workers import Worker

SOURCES = ("officer", "application", "crew", "transfer", "dissolution", "import")
CONSENTS = ("paper", "qr", "api", "transfer")


class Membership(Base):
    """A worker in a union over a period. Rows are never deleted."""

    __tablename__ = "memberships"
    __table_args__ = (
        # At most one active membership per worker, enforced by the database.
        sa.Index(
            "uq_memberships_one_active_per_worker",
            "worker_id",
            unique=True,
            sqlite_where=sa.text("state = 'active'"),
            postgresql_where=sa.text("state = 'active'"),
        ),
        # At most one open application per worker and union (QR re-submission is idempotent).
        sa.Index(
            "uq_memberships_one_pending_per_union",
            "worker_id",
            "union_id",
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        ),
        sa.Index("ix_memberships_union_state", "union_id", "state"),
        sa.Index("ix_memberships_worker_joined", "worker_id", "joined_on"),
        # Each worker's first membership, for the totals (reporting.sources._Firsts): the candidates, covered.
        sa.Index(
            "ix_memberships_first_candidates",
            "worker_id",
            "joined_on",
            "id",
            "state",
            "union_id",
            sqlite_where=sa.text("transferred_from_id IS NULL"),
            postgresql_where=sa.text("transferred_from_id IS NULL"),
        ),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= joined_on", name="ended_after_joined"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    worker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workers.id"))
    union_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("unions.id"))
    state: so.Mapped[str] = so.mapped_column(state_type(MEMBERSHIP))
    applied_on: so.Mapped[dt.date]
    joined_on: so.Mapped[dt.date | None]
    ended_on: so.Mapped[dt.date | None]
    end_reason: so.Mapped[str | None] = so.mapped_column(choice("end_reason", END_REASONS))
    transferred_from_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("memberships.id"), index=True)
    #: The application this membership answers: one left pending when its union closed, handed on here.
    application_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("memberships.id"), index=True)
    source: so.Mapped[str] = so.mapped_column(choice("membership_source", SOURCES))
    consent: so.Mapped[str | None] = so.mapped_column(choice("membership_consent", CONSENTS))
    wants_transfer: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    receipt_code: so.Mapped[str | None] = so.mapped_column(sa.String(32), unique=True)
    contractor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contractors.id"))
    crew_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("crews.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)
    # What an anonymous applicant typed, kept on the application: the stored worker is not
    # changed by it; an officer's approval takes the name (of an unconfirmed worker) and phone.
    applicant_name: so.Mapped[str | None] = so.mapped_column(sa.String(50))
    applicant_phone_encrypted: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: Someone submitted this number again to this union with other details while it was pending.
    resubmitted_differently: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    consent_notice: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    consented_at: so.Mapped[dt.datetime | None] = so.mapped_column(Timestamp)

    worker: so.Mapped[Worker] = so.relationship(back_populates="memberships")
    union: so.Mapped[Union] = so.relationship(foreign_keys=[union_id])
    transferred_from: so.Mapped[Membership | None] = so.relationship(
        remote_side=[id], foreign_keys=[transferred_from_id]
    )
    application: so.Mapped[Membership | None] = so.relationship(remote_side=[id], foreign_keys=[application_id])

    def __repr__(self) -> str:
        return f"<Membership {self.id} w{self.worker_id} u{self.union_id} {self.state}>"


def in_force_on(m, on: dt.date) -> list[sa.ColumnElement[bool]]:
    """The conditions of a membership in force on day ``on``: activated, joined on or before it, and not
    ended by it (one that ends on ``on`` is no longer in force that day).

    ``m``: the ``Membership`` class, or the columns of an alias of its table (``alias.c``).
    """
    return [m.state.in_(ACTIVATED), m.joined_on <= on, sa.or_(m.ended_on.is_(None), m.ended_on > on)]
