"""Registering and editing construction projects."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import Conflict, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle import context, record_creation
from projectunion.models import Contractor, Jurisdiction, Project, User
from projectunion.services.transaction import audit, unit_of_work

EDITABLE = ("name", "address", "general_contractor_id", "planned_start", "planned_end")


def _clean(session: so.Session, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    out = dict(values)
    if "name" in values or creating:
        out["name"] = (values.get("name") or "").strip()
        if not out["name"] or len(out["name"]) > 200:
            errors["name"] = _l("Enter the project's name (at most 200 characters).")
    if creating:
        out["permit_no"] = (values.get("permit_no") or "").strip().upper()
        if not out["permit_no"] or len(out["permit_no"]) > 64:
            errors["permit_no"] = _l("Enter the construction-permit number.")
        elif session.scalar(sa.select(Project.id).where(Project.permit_no == out["permit_no"])):
            errors["permit_no"] = _l("A project with this permit number is already registered.")
    if values.get("general_contractor_id") and session.get(Contractor, values["general_contractor_id"]) is None:
        errors["general_contractor_id"] = _l("Unknown contractor.")
    start, end = values.get("planned_start"), values.get("planned_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors["planned_end"] = _l("The planned end cannot be before the planned start.")
    if errors:
        raise ValidationError(errors)
    return out


def register_project(
    session: so.Session,
    actor,
    *,
    name: str,
    permit_no: str,
    town: Jurisdiction | None,
    address: str | None = None,
    general_contractor_id: int | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    registered_on: dt.date | None = None,
) -> Project:
    """``registered_on`` is the day it was registered (default today; may be in the past)."""
    errors: dict[str, Any] = {}
    if town is None or town.level != "town":
        errors["town_code"] = _l("Choose the town (street) where the site is.")
    else:
        permissions.require(permissions.can_register_project(actor, town))
    if registered_on is not None and registered_on > today():
        errors["registered_on"] = _l("The date cannot be in the future.")
    try:  # every mistake at once: the town's together with the other fields'
        values = _clean(
            session,
            {
                "name": name,
                "permit_no": permit_no,
                "address": (address or "").strip() or None,
                "general_contractor_id": general_contractor_id,
                "planned_start": planned_start,
                "planned_end": planned_end,
            },
            creating=True,
        )
    except ValidationError as exc:
        errors = {**errors, **exc.fields}
    if errors:
        raise ValidationError(errors)
    with unit_of_work(session):
        project = Project(**values, town=town, state="planned", created_by_id=getattr(actor, "id", None))
        session.add(project)
        if permissions.runs_site_unions(actor):
            project.officers.append(_real(actor))
        record_creation(session, "project", project, context(session, actor, registered_on))
        audit(session, actor, "register_project", project, permit_no=project.permit_no)
    return project


def update_project(session: so.Session, actor, project: Project, **values: Any) -> Project:
    permissions.require_visible(actor, project)
    permissions.require(permissions.can_manage_project(actor, project))
    if project.state in ("completed", "cancelled"):
        raise Conflict(_l("A completed or cancelled project can no longer be edited."))
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError({k: _l("This field cannot be changed.") for k in unknown})
    values = _clean(session, values, creating=False)
    with unit_of_work(session):
        for key, value in values.items():
            setattr(project, key, value)
        audit(session, actor, "update_project", project, fields=sorted(values))
    return project


def _real(user):
    """The user itself, not Flask-Login's ``current_user`` proxy (a collection must hold the row)."""
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def _put_on(project: Project, officer: User) -> None:
    """The officer runs the project and, once construction started, its union."""
    officer = _real(officer)
    if officer not in project.officers:
        project.officers.append(officer)
    if project.union is not None and project.union not in officer.unions:
        officer.unions.append(project.union)


def assign_officer(session: so.Session, actor, project: Project, officer: User | None) -> Project:
    """Union staff put an officer on a project (and so on its union)."""
    permissions.require_visible(actor, project)
    permissions.require(permissions.can_assign_officers(actor, project))
    if officer is None or not permissions.officer_may_work_in(officer, project):
        raise ValidationError({"officer_id": _l("Choose a site union officer who works in the project's town.")})
    if officer in project.officers:
        raise ValidationError(
            {"officer_id": _l("%(name)s is already assigned to this project.", name=officer.display_name)}
        )
    with unit_of_work(session):
        _put_on(project, officer)
        audit(session, actor, "assign_officer", project, officer_id=officer.id)
    return project


def take_up_project(session: so.Session, actor, project: Project) -> Project:
    """An officer takes up an unassigned planned project of their town."""
    permissions.require_visible(actor, project)
    if not permissions.can_take_up_project(actor, project):
        raise Conflict(_l("This project already has an officer; ask the union staff to assign you."))
    with unit_of_work(session):
        _put_on(project, actor)
        audit(session, actor, "take_up_project", project, officer_id=actor.id)
    return project


def unassign_officer(session: so.Session, actor, project: Project, officer: User) -> Project:
    """Take an officer off a project and its union (their past actions stay in the history)."""
    permissions.require_visible(actor, project)
    permissions.require(permissions.can_assign_officers(actor, project))
    if officer not in project.officers:
        raise ValidationError({"officer_id": _l("This officer is not assigned to the project.")})
    with unit_of_work(session):
        project.officers.remove(officer)
        if project.union is not None and project.union in officer.unions:
            officer.unions.remove(project.union)
        audit(session, actor, "unassign_officer", project, officer_id=officer.id)
    return project


def assignable_officers(session: so.Session, project: Project) -> list[User]:
    """Active officers who may work in the project's town and are not on it yet."""
    town_path = project.town.path
    candidates = session.scalars(
        sa.select(User)
        .outerjoin(Jurisdiction, User.jurisdiction_id == Jurisdiction.id)
        .where(User.role == "officer", User.is_active.is_(True))
        .where(sa.or_(User.jurisdiction_id.is_(None), sa.literal(town_path).startswith(Jurisdiction.path)))
        .order_by(User.display_name, User.id)
    )
    return [u for u in candidates if u not in project.officers]
