"""Who may see and do what, scoped to jurisdiction, unions or contractor.

Every service calls these; views and the API never decide access themselves.
A ``False`` from a ``can_view_*`` means the object is outside the user's
scope and is answered as 404 (its existence is private); a ``False`` from a
``can_manage_*`` on a visible object is answered as 403.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.exceptions import NotFound, PermissionDenied
from projectunion.models import (
    Crew,
    CrewMember,
    Jurisdiction,
    Membership,
    Project,
    Union,
    User,
    Worker,
)
from projectunion.models.users import user_unions

EVERYTHING_READ = ("admin", "city_staff")


def _in_jurisdiction(user: User, jurisdiction: Jurisdiction | None) -> bool:
    return user.jurisdiction is not None and user.jurisdiction.contains(jurisdiction)


def can_view_union(user: User, union: Union) -> bool:
    if user.role in EVERYTHING_READ:
        return True
    if user.role == "union_staff":
        return _in_jurisdiction(user, union.jurisdiction)
    if user.role == "officer":
        return union in user.unions or _in_jurisdiction(user, union.jurisdiction) and union.is_standing
    return False


def can_manage_union(user: User, union: Union) -> bool:
    if user.role == "admin":
        return True
    if user.role == "union_staff":
        return _in_jurisdiction(user, union.jurisdiction)
    return user.role == "officer" and union in user.unions


def can_register_project(user: User, town: Jurisdiction) -> bool:
    if user.role == "admin":
        return True
    return user.role in ("union_staff", "officer") and _in_jurisdiction(user, town)


def can_view_project(user: User, project: Project) -> bool:
    if user.role in EVERYTHING_READ:
        return True
    if user.role == "union_staff":
        return _in_jurisdiction(user, project.town)
    if user.role == "officer":
        return project.created_by_id == user.id or (project.union is not None and project.union in user.unions)
    if user.role == "contractor":
        return project.general_contractor_id == user.contractor_id
    return False


def can_manage_project(user: User, project: Project) -> bool:
    if user.role in ("admin", "union_staff", "officer"):
        return can_view_project(user, project)
    return False


def can_view_worker(session: so.Session, user: User, worker: Worker) -> bool:
    if user.role in EVERYTHING_READ:
        return True
    if user.role == "contractor":
        return bool(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(CrewMember)
                .join(Crew)
                .where(CrewMember.worker_id == worker.id, Crew.contractor_id == user.contractor_id)
            )
        )
    query = (
        sa.select(sa.func.count())
        .select_from(Membership)
        .join(Union, Membership.union_id == Union.id)
        .where(Membership.worker_id == worker.id)
    )
    if user.role == "union_staff":
        if user.jurisdiction is None:
            return False
        query = query.join(Jurisdiction, Union.jurisdiction_id == Jurisdiction.id).where(
            Jurisdiction.path.startswith(user.jurisdiction.path)
        )
    elif user.role == "officer":
        query = query.join(user_unions, user_unions.c.union_id == Union.id).where(user_unions.c.user_id == user.id)
    else:
        return False
    return bool(session.scalar(query))


def can_reveal_id(user: User) -> bool:
    return user.role == "admin" or (user.can_reveal_id and user.role in ("officer", "union_staff"))


def require(allowed: bool, *, private: bool = False) -> None:
    """Refuse: 404 where existence itself is private, else 403."""
    if not allowed:
        raise NotFound() if private else PermissionDenied()


def require_visible(user: User, obj: Any, session: so.Session | None = None) -> None:
    if isinstance(obj, Union):
        require(can_view_union(user, obj), private=True)
    elif isinstance(obj, Project):
        require(can_view_project(user, obj), private=True)
    elif isinstance(obj, Worker):
        assert session is not None
        require(can_view_worker(session, user, obj), private=True)
    else:
        raise TypeError(type(obj))


# --- the survey (摸排): worklists, the site's not-yet-enrolled workers, targets ------------------


def can_view_survey(user: User | None, jurisdiction: Jurisdiction | None = None) -> bool:
    """The survey's worklists and rates: city staff and administrators everywhere, district and town
    staff in their own jurisdiction (``jurisdiction=None``: whether they see any)."""
    if user is None:
        return False
    if user.role in EVERYTHING_READ:
        return True
    if user.role == "union_staff":
        return user.jurisdiction is not None and (jurisdiction is None or user.jurisdiction.contains(jurisdiction))
    return False


def can_view_site_survey(user: User, project: Project) -> bool:
    """A site's workers on site and who among them is not yet a member: the union side of the project."""
    return user.role in ("officer", "union_staff", "city_staff", "admin") and can_view_project(user, project)


def can_work_site_survey(user: User, project: Project) -> bool:
    """Enroll, mark declined, print forms: who manages the site's union."""
    return project.union is not None and can_manage_union(user, project.union)


def can_set_enrollment_target(user: User, jurisdiction: Jurisdiction) -> bool:
    """City and district staff set yearly targets for their jurisdiction and those under it."""
    if user.role in EVERYTHING_READ:
        return True
    return (
        user.role == "union_staff"
        and user.jurisdiction is not None
        and user.jurisdiction.level in ("city", "district")
        and user.jurisdiction.contains(jurisdiction)
    )
