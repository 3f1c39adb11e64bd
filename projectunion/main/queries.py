"""What needs attention, per user: read-only queries for the home page."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions, scopes
from projectunion.lifecycle.declarations import WAGE_CASE_OPEN
from projectunion.models import Membership, Project, Union, User, WageCase, project_officers

LIMIT = 12


@dataclass
class Item:
    union: Union
    count: int = 0


@dataclass
class Attention:
    pending: list[Item] = field(default_factory=list)
    pending_total: int = 0
    preparing: list[Item] = field(default_factory=list)
    preparing_total: int = 0
    dissolving: list[Item] = field(default_factory=list)
    dissolving_total: int = 0
    open_cases: list[Item] = field(default_factory=list)
    open_cases_total: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.pending_total or self.preparing_total or self.dissolving_total or self.open_cases_total)


def _union_scope(user: User):
    # City staff read everything; the others are asked to act only where they may.
    return scopes.visible_unions(user) if permissions.is_read_only(user) else scopes.manageable_unions(user)


def _per_union(session: so.Session, counted, condition, scope) -> tuple[list[Item], int]:
    count = sa.func.count(counted.id)
    rows = session.execute(
        sa.select(Union, count)
        .join(counted, counted.union_id == Union.id)
        .where(scope, condition)
        .group_by(Union.id)
        .order_by(count.desc(), Union.id)
        .limit(LIMIT)
    ).all()
    total = session.scalar(
        sa.select(sa.func.count(counted.id)).join(Union, counted.union_id == Union.id).where(scope, condition)
    )
    return [Item(union, n) for union, n in rows], total or 0


def _in_state(session: so.Session, state: str, scope) -> tuple[list[Item], int]:
    active = (
        sa.select(sa.func.count(Membership.id))
        .where(Membership.union_id == Union.id, Membership.state == "active")
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Union, active).where(scope, Union.state == state).order_by(Union.created_at, Union.id).limit(LIMIT)
    ).all()
    total = session.scalar(sa.select(sa.func.count(Union.id)).where(scope, Union.state == state))
    return [Item(union, n) for union, n in rows], total or 0


def attention(session: so.Session, user: User) -> Attention:
    scope = _union_scope(user)
    out = Attention()
    out.pending, out.pending_total = _per_union(session, Membership, Membership.state == "pending", scope)
    out.preparing, out.preparing_total = _in_state(session, "preparing", scope)
    out.dissolving, out.dissolving_total = _in_state(session, "dissolving", scope)
    out.open_cases, out.open_cases_total = _per_union(session, WageCase, WageCase.state.in_(WAGE_CASE_OPEN), scope)
    return out


def my_unions(session: so.Session, user: User) -> list[tuple[Union, int, int]]:
    """An officer's unions with their active and pending counts, the living ones first."""
    active = sa.func.count(Membership.id).filter(Membership.state == "active")
    pending = sa.func.count(Membership.id).filter(Membership.state == "pending")
    rows = session.execute(
        sa.select(Union, active, pending)
        .outerjoin(Membership, Membership.union_id == Union.id)
        .where(scopes.manageable_unions(user))
        .group_by(Union.id)
        .order_by((Union.state == "dissolved").asc(), Union.created_at.desc(), Union.id.desc())
        .limit(50)
    ).all()
    return [(u, a, p) for u, a, p in rows]


def overview(session: so.Session, user: User) -> dict[str, dict[str, int]]:
    """Counts by state of the projects and unions in scope, and members in force."""
    projects = dict(
        session.execute(
            sa.select(Project.state, sa.func.count(Project.id))
            .where(scopes.visible_projects(user))
            .group_by(Project.state)
        ).all()
    )
    unions = dict(
        session.execute(
            sa.select(Union.state, sa.func.count(Union.id))
            .where(scopes.visible_unions(user), Union.kind == "project")
            .group_by(Union.state)
        ).all()
    )
    members = session.scalar(
        sa.select(sa.func.count(Membership.id))
        .join(Union, Membership.union_id == Union.id)
        .where(scopes.visible_unions(user), Membership.state == "active")
    )
    return {"projects": projects, "unions": unions, "members": {"active": members or 0}}


def recent_projects(session: so.Session, user: User, limit: int = 8) -> list[Project]:
    """The projects in scope, newest first; an officer's own projects before the unassigned ones
    of their town that they could take up."""
    order = [Project.created_at.desc(), Project.id.desc()]
    if permissions.runs_site_unions(user):
        assigned = sa.select(project_officers.c.project_id).where(project_officers.c.user_id == user.id)
        order.insert(0, sa.case((Project.id.in_(assigned), 0), else_=1))
    return list(session.scalars(sa.select(Project).where(scopes.visible_projects(user)).order_by(*order).limit(limit)))
