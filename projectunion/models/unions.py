from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.lifecycle.declarations import UNION
from projectunion.models._columns import Timestamp, choice, state_type, utcnow
from projectunion.models.jurisdictions import Jurisdiction

if TYPE_CHECKING:
    from projectunion.models.memberships import Membership
    from projectunion.models.projects import Project

UNION_KINDS = ("project", "regional", "industry")


class Union(Base):
    """A trade union: a project union tied to one project, or a standing one."""

    __tablename__ = "unions"
    __table_args__ = (
        sa.CheckConstraint("(kind = 'project') = (project_id IS NOT NULL)", name="project_union_has_project"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(choice("union_kind", UNION_KINDS))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    jurisdiction_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("jurisdictions.id"), index=True)
    project_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("projects.id"), unique=True)
    state: so.Mapped[str] = so.mapped_column(state_type(UNION), index=True)
    founded_on: so.Mapped[dt.date | None]
    dissolved_on: so.Mapped[dt.date | None]
    chair_membership_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("memberships.id", use_alter=True))
    successor_union_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("unions.id"))
    join_token_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    join_token_expires_on: so.Mapped[dt.date | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)

    jurisdiction: so.Mapped[Jurisdiction] = so.relationship()
    project: so.Mapped[Project | None] = so.relationship(back_populates="union")
    chair: so.Mapped[Membership | None] = so.relationship(foreign_keys=[chair_membership_id])
    successor: so.Mapped[Union | None] = so.relationship(remote_side=[id])

    @property
    def is_standing(self) -> bool:
        return self.kind != "project"

    def __repr__(self) -> str:
        return f"<Union {self.id} {self.name} {self.state}>"
