"""The user's scope as SQL, for lists and counts.

``permissions.can_view_*`` decide for one object; a list of thousands needs
the same rule as a WHERE clause. Each function here is the SQL form of the
matching ``can_view_*`` / ``can_manage_*`` and a test checks that both agree
for every role, in and out of scope.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.models import Crew, CrewMember, Jurisdiction, Membership, Project, Union, User, Worker
from projectunion.models.users import project_officers, user_unions
from projectunion.permissions import (
    acts_for_contractor,
    can_act_everywhere,
    is_union_staff,
    reads_everything,
    runs_site_unions,
    works_for_unions,
)


def _subtree(user: User):
    return sa.select(Jurisdiction.id).where(Jurisdiction.path.startswith(user.jurisdiction.path))


def _my_unions(user: User):
    return sa.select(user_unions.c.union_id).where(user_unions.c.user_id == user.id)


def visible_projects(user: User) -> sa.ColumnElement[bool]:
    if reads_everything(user):
        return sa.true()
    if is_union_staff(user) and user.jurisdiction is not None:
        return Project.town_id.in_(_subtree(user))
    if runs_site_unions(user):
        mine = sa.or_(
            Project.created_by_id == user.id,
            Project.id.in_(sa.select(project_officers.c.project_id).where(project_officers.c.user_id == user.id)),
            Project.id.in_(sa.select(Union.project_id).where(Union.id.in_(_my_unions(user)))),
        )
        if user.jurisdiction is None:
            return mine
        unassigned = sa.and_(
            Project.state == "planned",
            ~Project.id.in_(sa.select(project_officers.c.project_id)),
            Project.town_id.in_(_subtree(user)),
        )
        return sa.or_(mine, unassigned)
    if acts_for_contractor(user) and user.contractor_id is not None:
        return Project.general_contractor_id == user.contractor_id
    return sa.false()


def visible_unions(user: User) -> sa.ColumnElement[bool]:
    if reads_everything(user):
        return sa.true()
    if is_union_staff(user) and user.jurisdiction is not None:
        return Union.jurisdiction_id.in_(_subtree(user))
    if runs_site_unions(user):
        mine = Union.id.in_(_my_unions(user))
        if user.jurisdiction is None:
            return mine
        return sa.or_(mine, sa.and_(Union.kind != "project", Union.jurisdiction_id.in_(_subtree(user))))
    return sa.false()


def manageable_unions(user: User) -> sa.ColumnElement[bool]:
    if can_act_everywhere(user):
        return sa.true()
    if is_union_staff(user) and user.jurisdiction is not None:
        return Union.jurisdiction_id.in_(_subtree(user))
    if runs_site_unions(user):
        return Union.id.in_(_my_unions(user))
    return sa.false()


def visible_workers(user: User, worker_id_column) -> sa.ColumnElement[bool]:
    """Workers the user may see: members of the user's unions, or the contractor's crews."""
    if reads_everything(user):
        return sa.true()
    if acts_for_contractor(user) and user.contractor_id is not None:
        return worker_id_column.in_(
            sa.select(CrewMember.worker_id)
            .join(Crew, CrewMember.crew_id == Crew.id)
            .where(Crew.contractor_id == user.contractor_id)
        )
    if is_union_staff(user) and user.jurisdiction is not None:
        members = (
            sa.select(Membership.worker_id)
            .join(Union, Membership.union_id == Union.id)
            .where(Union.jurisdiction_id.in_(_subtree(user)))
        )
        return worker_id_column.in_(members)
    if runs_site_unions(user):
        return worker_id_column.in_(sa.select(Membership.worker_id).where(Membership.union_id.in_(_my_unions(user))))
    return sa.false()


def site_surveys(user: User) -> sa.ColumnElement[bool]:
    """Projects whose survey page (its workers not yet members) the user may open."""
    return visible_projects(user) if works_for_unions(user) else sa.false()


#: What ``visible_ids`` answers for: the id column and the rule, per kind of page.
_PAGES = {
    "worker": (Worker.id, lambda user: visible_workers(user, Worker.id)),
    "union": (Union.id, visible_unions),
    "project": (Project.id, visible_projects),
    "site_survey": (Project.id, site_surveys),
}


def visible_ids(session: so.Session, user: User, kind: str, ids: Iterable[int | None]) -> set[int]:
    """Which of ``ids`` (of a ``kind`` in ``_PAGES``) the user may open: one query for a whole page of rows,
    instead of a ``can_view_*`` per row."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    column, rule = _PAGES[kind]
    return set(session.scalars(sa.select(column).where(column.in_(wanted), rule(user))))
