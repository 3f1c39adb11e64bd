"""Construction projects: register, list, look at, and drive their lifecycle."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from pydantic import AliasPath, Field, computed_field

from projectunion import lifecycle, permissions
from projectunion.api.common import get_or_404, history_operation, jurisdiction_filter
from projectunion.api.core import ListQuery, operation, paginate
from projectunion.api.schema import Answer, Choice, Date, Id, Page, Request, Text, described
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import PROJECT as PROJECT_MACHINE
from projectunion.models import Project as ProjectRow
from projectunion.models import User
from projectunion.scopes import visible_projects
from projectunion.services import jurisdictions, projects
from projectunion.services.events import fire_checked_and_commit

ProjectState = Choice(PROJECT_MACHINE.states)
ProjectEventName = Choice(PROJECT_MACHINE.events())


class Project(Answer, json_schema_extra=described(_l("A construction project (建设项目)."))):
    id: Id
    name: Text(200)
    permit_no: Text(64) = Field(description=_l("Construction-permit number (unique)."))
    town_code: Text(12) = Field(validation_alias=AliasPath("town", "code"))
    town_name: Text(100) = Field(validation_alias=AliasPath("town", "name"))
    address: Text(300) | None
    general_contractor_id: Id | None
    planned_start: Date | None
    planned_end: Date | None
    actual_start: Date | None
    actual_end: Date | None
    state: ProjectState
    union_id: Id | None = Field(
        None,
        validation_alias=AliasPath("union", "id"),
        description=_l("The project union, once the project has started."),
    )

    @computed_field
    def allowed_events(self) -> list[ProjectEventName]:
        return lifecycle.lifecycle_of("project").allowed_events(self)


class ProjectCreate(Request):
    name: Text(200)
    permit_no: Text(64)
    town_code: Text(12) = Field(description=_l("Code of the town (street) where the site is."))
    address: Text(300, min_length=0) | None = None
    general_contractor_id: Id | None = None
    planned_start: Date | None = None
    planned_end: Date | None = None
    registered_on: Date | None = Field(
        None, description=_l("When it was registered; default today. The project cannot start before it.")
    )


class ProjectEvent(Request):
    event: ProjectEventName
    on: Date | None = Field(None, description=_l("When it happened; default today."))


class ProjectQuery(ListQuery):
    state: ProjectState | None = None
    town_code: Text(12) | None = Field(None, description=_l("A town, or a district for all its towns."))
    q: Text(100) | None = Field(None, description=_l("Part of the name or permit number."))


def _visible_project(session: so.Session, actor: User, project_id: int) -> ProjectRow:
    project = get_or_404(ProjectRow, project_id)
    permissions.require_visible(actor, project)
    return project


@operation(
    "POST",
    "/projects",
    tag="projects",
    summary=_l("Register a project"),
    body=ProjectCreate,
    response=Project,
    status=201,
    errors=(403,),
)
def create_project(actor: User, body: ProjectCreate):
    session = get_session()
    town = jurisdictions.by_code(session, body.town_code)
    return projects.register_project(session, actor, town=town, **body.model_dump(exclude={"town_code"}))


@operation(
    "GET",
    "/projects",
    tag="projects",
    summary=_l("List the projects in your scope"),
    response=Page[Project],
    query=ProjectQuery,
)
def list_projects(actor: User, query: ProjectQuery):
    session = get_session()
    stmt = (
        sa.select(ProjectRow)
        .where(visible_projects(actor))
        .options(so.selectinload(ProjectRow.town), so.selectinload(ProjectRow.union))
    )
    if query.state:
        stmt = stmt.where(ProjectRow.state == query.state)
    if query.town_code:
        stmt = stmt.where(jurisdiction_filter(session, query.town_code, "town_code", ProjectRow.town_id))
    if query.q:
        stmt = stmt.where(
            sa.or_(
                ProjectRow.name.icontains(query.q, autoescape=True),
                ProjectRow.permit_no.icontains(query.q, autoescape=True),
            )
        )
    return paginate(session, stmt, ProjectRow.id, query)


@operation("GET", "/projects/{project_id}", tag="projects", summary=_l("One project"), response=Project)
def get_project(actor: User, project_id: int):
    return _visible_project(get_session(), actor, project_id)


@operation(
    "POST",
    "/projects/{project_id}/events",
    tag="projects",
    summary=_l("Fire a lifecycle event: start, halt, resume, complete, cancel"),
    description=_l("`start` opens the project union (its id is in `union_id`); halt, resume and complete drive it."),
    body=ProjectEvent,
    response=Project,
    errors=(403, 409),
)
def project_event(actor: User, project_id: int, body: ProjectEvent):
    session = get_session()
    project = _visible_project(session, actor, project_id)
    fire_checked_and_commit(session, actor, project, body.event, on=body.on)
    return project


history_operation("/projects/{project_id}", "projects", "project", _visible_project)
