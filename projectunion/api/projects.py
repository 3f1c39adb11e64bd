"""Construction projects: register, list, look at, and drive their lifecycle."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.api.common import get_or_404, history_operation, jurisdiction_filter
from projectunion.api.core import list_params, operation, paginate
from projectunion.api.schema import Choice, Date, Field, Id, List, Shape, Text, page_of
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import PROJECT as PROJECT_MACHINE
from projectunion.models import Project, User
from projectunion.scopes import visible_projects
from projectunion.services import jurisdictions, projects
from projectunion.services.events import fire_event

PROJECT = Shape(
    "Project",
    {
        "id": Field(Id()),
        "name": Field(Text(max_length=200)),
        "permit_no": Field(Text(max_length=64), description=_l("Construction-permit number (unique).")),
        "town_code": Field(Text(max_length=12)),
        "town_name": Field(Text(max_length=100)),
        "address": Field(Text(max_length=300), nullable=True),
        "general_contractor_id": Field(Id(), nullable=True),
        "planned_start": Field(Date(), nullable=True),
        "planned_end": Field(Date(), nullable=True),
        "actual_start": Field(Date(), nullable=True),
        "actual_end": Field(Date(), nullable=True),
        "state": Field(Choice(PROJECT_MACHINE.states)),
        "union_id": Field(Id(), nullable=True, description=_l("The project union, once the project has started.")),
        "allowed_events": Field(List(Choice(PROJECT_MACHINE.events()))),
    },
    description=_l("A construction project (建设项目)."),
)

PROJECT_CREATE = Shape(
    "ProjectCreate",
    {
        "name": Field(Text(max_length=200)),
        "permit_no": Field(Text(max_length=64)),
        "town_code": Field(Text(max_length=12), description=_l("Code of the town (street) where the site is.")),
        "address": Field(Text(min_length=0, max_length=300), required=False, nullable=True),
        "general_contractor_id": Field(Id(), required=False, nullable=True),
        "planned_start": Field(Date(), required=False, nullable=True),
        "planned_end": Field(Date(), required=False, nullable=True),
    },
)

PROJECT_EVENT = Shape(
    "ProjectEvent",
    {
        "event": Field(Choice(PROJECT_MACHINE.events())),
        "on": Field(Date(), required=False, nullable=True, description=_l("When it happened; default today.")),
    },
)


def project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "permit_no": p.permit_no,
        "town_code": p.town.code,
        "town_name": p.town.name,
        "address": p.address,
        "general_contractor_id": p.general_contractor_id,
        "planned_start": p.planned_start,
        "planned_end": p.planned_end,
        "actual_start": p.actual_start,
        "actual_end": p.actual_end,
        "state": p.state,
        "union_id": p.union.id if p.union is not None else None,
        "allowed_events": lifecycle.allowed_events(p),
    }


def _visible_project(session: so.Session, actor: User, project_id: int) -> Project:
    project = get_or_404(Project, project_id)
    permissions.require_visible(actor, project)
    return project


@operation(
    "POST",
    "/projects",
    tag="projects",
    summary=_l("Register a project"),
    body=PROJECT_CREATE,
    response=PROJECT,
    status=201,
    errors=(403,),
)
def create_project(actor: User, body: dict[str, Any]):
    session = get_session()
    town = jurisdictions.by_code(session, body["town_code"])
    fields = {k: v for k, v in body.items() if k != "town_code"}
    return project_out(projects.register_project(session, actor, town=town, **fields))


@operation(
    "GET",
    "/projects",
    tag="projects",
    summary=_l("List the projects in your scope"),
    response=page_of(PROJECT),
    query=list_params(
        state=Field(Choice(PROJECT_MACHINE.states), required=False),
        town_code=Field(
            Text(max_length=12), required=False, description=_l("A town, or a district for all its towns.")
        ),
        q=Field(Text(max_length=100), required=False, description=_l("Part of the name or permit number.")),
    ),
)
def list_projects(actor: User, query: dict[str, Any]):
    session = get_session()
    stmt = (
        sa.select(Project)
        .where(visible_projects(actor))
        .options(so.selectinload(Project.town), so.selectinload(Project.union))
    )
    if query["state"]:
        stmt = stmt.where(Project.state == query["state"])
    if query["town_code"]:
        stmt = stmt.where(jurisdiction_filter(session, query["town_code"], "town_code", Project.town_id))
    if query["q"]:
        stmt = stmt.where(
            sa.or_(
                Project.name.icontains(query["q"], autoescape=True),
                Project.permit_no.icontains(query["q"], autoescape=True),
            )
        )
    items, nxt = paginate(session, stmt, Project.id, query)
    return {"items": [project_out(p) for p in items], "next": nxt}


@operation("GET", "/projects/{project_id}", tag="projects", summary=_l("One project"), response=PROJECT)
def get_project(actor: User, project_id: int):
    return project_out(_visible_project(get_session(), actor, project_id))


@operation(
    "POST",
    "/projects/{project_id}/events",
    tag="projects",
    summary=_l("Fire a lifecycle event: start, halt, resume, complete, cancel"),
    description=_l("`start` opens the project union (its id is in `union_id`); halt, resume and complete drive it."),
    body=PROJECT_EVENT,
    response=PROJECT,
    errors=(403, 409),
)
def project_event(actor: User, project_id: int, body: dict[str, Any]):
    session = get_session()
    project = _visible_project(session, actor, project_id)
    fire_event(session, actor, project, body["event"], on=body["on"])
    return project_out(project)


history_operation("/projects/{project_id}", "projects", "project", _visible_project)
