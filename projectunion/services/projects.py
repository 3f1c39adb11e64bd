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
from projectunion.models import Contractor, Jurisdiction, Project
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
