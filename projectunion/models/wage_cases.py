from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.lifecycle.declarations import WAGE_CASE
from projectunion.models._columns import Money, Timestamp, state_type, utcnow
from projectunion.models.contractors import Contractor
from projectunion.models.unions import Union
from projectunion.models.workers import Worker

wage_case_workers = sa.Table(
    "wage_case_workers",
    Base.metadata,
    sa.Column("wage_case_id", sa.ForeignKey("wage_cases.id"), primary_key=True),
    sa.Column("worker_id", sa.ForeignKey("workers.id"), primary_key=True, index=True),
)


class WageCase(Base):
    """A wage-arrears case (欠薪案件) handled by a union."""

    __tablename__ = "wage_cases"
    __table_args__ = (
        sa.CheckConstraint("amount_claimed >= 0", name="claimed_not_negative"),
        sa.CheckConstraint("amount_recovered >= 0", name="recovered_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    union_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("unions.id"), index=True)
    contractor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contractors.id"), index=True)
    state: so.Mapped[str] = so.mapped_column(state_type(WAGE_CASE), index=True)
    summary: so.Mapped[str] = so.mapped_column(sa.String(500))
    opened_on: so.Mapped[dt.date]
    resolved_on: so.Mapped[dt.date | None] = so.mapped_column(index=True)
    amount_claimed: so.Mapped[Decimal] = so.mapped_column(Money)
    amount_recovered: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)

    union: so.Mapped[Union] = so.relationship()
    contractor: so.Mapped[Contractor | None] = so.relationship()
    workers: so.Mapped[list[Worker]] = so.relationship(secondary=wage_case_workers)
