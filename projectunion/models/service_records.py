from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.models._columns import Money, Timestamp, choice, utcnow
from projectunion.models.unions import Union
from projectunion.models.workers import Worker

SERVICE_KINDS = ("training", "hardship_aid", "student_aid", "legal_aid", "holiday_visit")


class ServiceRecord(Base):
    """One service given to one worker: training, hardship aid, student aid, legal aid, a visit."""

    __tablename__ = "service_records"
    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.Index("ix_service_records_kind_served", "kind", "served_on"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(choice("service_kind", SERVICE_KINDS))
    worker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workers.id"), index=True)
    union_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("unions.id"), index=True)
    served_on: so.Mapped[dt.date]
    amount: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"))
    note: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)

    worker: so.Mapped[Worker] = so.relationship()
    union: so.Mapped[Union] = so.relationship()
