from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.models._columns import choice

LEVELS = ("city", "district", "town")


class Jurisdiction(Base):
    """A node of the city → district → town tree.

    ``path`` is the materialised chain of codes ("371000/371002/371002005/")
    so that "this jurisdiction and everything below" is one indexed prefix test.
    """

    __tablename__ = "jurisdictions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    level: so.Mapped[str] = so.mapped_column(choice("jurisdiction_level", LEVELS))
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("jurisdictions.id"), index=True)
    path: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)

    parent: so.Mapped[Jurisdiction | None] = so.relationship(remote_side=[id], back_populates="children")
    children: so.Mapped[list[Jurisdiction]] = so.relationship(back_populates="parent", order_by="Jurisdiction.code")

    def contains(self, other: Jurisdiction | None) -> bool:
        return other is not None and other.path.startswith(self.path)

    def ancestor(self, level: str) -> Jurisdiction | None:
        node: Jurisdiction | None = self
        while node is not None and node.level != level:
            node = node.parent
        return node

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code} {self.name}>"
