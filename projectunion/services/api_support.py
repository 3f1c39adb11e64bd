"""Scopes as SQL: the rows a user may see, for lists that are filtered and paginated in the database.

Each criterion is the set-based twin of a ``permissions.can_view_*``
predicate (which decides for one object); tests check that both agree.
"""

from __future__ import annotations

import sqlalchemy as sa

from projectunion.models import Jurisdiction, Project, Union, User
from projectunion.models.users import user_unions
from projectunion.permissions import EVERYTHING_READ


def _under(user: User, jurisdiction_id_column) -> sa.ColumnElement[bool]:
    """The column's jurisdiction is the user's or below it."""
    if user.jurisdiction is None:
        return sa.false()
    return jurisdiction_id_column.in_(
        sa.select(Jurisdiction.id).where(Jurisdiction.path.startswith(user.jurisdiction.path, autoescape=True))
    )


def _officer_union_ids(user: User) -> sa.Select:
    return sa.select(user_unions.c.union_id).where(user_unions.c.user_id == user.id)


def visible_projects(user: User) -> sa.ColumnElement[bool]:
    """Twin of ``permissions.can_view_project``."""
    if user.role in EVERYTHING_READ:
        return sa.true()
    if user.role == "union_staff":
        return _under(user, Project.town_id)
    if user.role == "officer":
        run = sa.select(Union.project_id).where(Union.id.in_(_officer_union_ids(user)), Union.project_id.is_not(None))
        return sa.or_(Project.created_by_id == user.id, Project.id.in_(run))
    if user.role == "contractor":
        return Project.general_contractor_id == user.contractor_id
    return sa.false()


def visible_unions(user: User) -> sa.ColumnElement[bool]:
    """Twin of ``permissions.can_view_union``."""
    if user.role in EVERYTHING_READ:
        return sa.true()
    if user.role == "union_staff":
        return _under(user, Union.jurisdiction_id)
    if user.role == "officer":
        return sa.or_(
            Union.id.in_(_officer_union_ids(user)),
            sa.and_(_under(user, Union.jurisdiction_id), Union.kind != "project"),
        )
    return sa.false()
