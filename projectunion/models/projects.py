from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.lifecycle.declarations import PROJECT
from projectunion.models._columns import Timestamp, state_type, utcnow
from projectunion.models.jurisdictions import Jurisdiction

if TYPE_CHECKING:
    from projectunion.models.contractors import Contractor
    from projectunion.models.unions import Union
    from projectunion.models.users import User


class Project(Base):
    """A construction project (建设项目), identified by its construction-permit number."""

    __tablename__ = "projects"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    permit_no: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    town_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jurisdictions.id"), index=True)
    address: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    general_contractor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contractors.id"), index=True)
    planned_start: so.Mapped[dt.date | None]
    planned_end: so.Mapped[dt.date | None]
    actual_start: so.Mapped[dt.date | None]
    actual_end: so.Mapped[dt.date | None]
    state: so.Mapped[str] = so.mapped_column(state_type(PROJECT), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)

    town: so.Mapped[Jurisdiction] = so.relationship()
    general_contractor: so.Mapped[Contractor | None] = so.relationship()
    union: so.Mapped[Union | None] = so.relationship(back_populates="project")
    #: the officers who run the site's union (assigned by union staff, or who took the project up)
    officers: so.Mapped[list[User]] = so.relationship(
        secondary="project_officers", back_populates="projects", order_by="User.display_name"
    )

    def __repr__(self) -> str:
        return f"<Project {self.permit_no} {self.state}>"
