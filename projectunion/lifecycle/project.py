"""Project machine: start opens the project union; halt, resume and complete drive it."""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import force_locale

from projectunion import permissions
from projectunion.i18n import _
from projectunion.lifecycle import union as union_lifecycle
from projectunion.lifecycle.declarations import PROJECT
from projectunion.lifecycle.engine import Context, Lifecycle, record_creation
from projectunion.models import Project, Union


def default_union_name(project: Project) -> str:
    """The union's name in the city's language, whoever's language the actor uses."""
    if not has_app_context():
        return f"{project.name} Project Union"
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("%(project)s Project Union", project=project.name)


def open_union(project: Project, ctx: Context) -> None:
    project.actual_start = ctx.on
    if project.union is not None:
        return
    union = Union(
        kind="project",
        name=ctx.data.get("union_name") or default_union_name(project),
        jurisdiction_id=project.town_id,
        project=project,
        state="preparing",
    )
    ctx.session.add(union)
    record_creation(ctx.session, "union", union, ctx)
    officers = list(project.officers)
    if ctx.actor is not None and permissions.runs_site_unions(ctx.actor):
        officers.append(ctx.actor)
    for officer in dict.fromkeys(officers):  # the project's officers run its union
        if union not in officer.unions:
            officer.unions.append(union)


def suspend_union(project: Project, ctx: Context) -> None:
    if project.union is not None and project.union.state == "active":
        union_lifecycle.LIFECYCLE.fire(project.union, "suspend", ctx)


def resume_union(project: Project, ctx: Context) -> None:
    if project.union is not None and project.union.state == "suspended":
        union_lifecycle.LIFECYCLE.fire(project.union, "resume", ctx)


def begin_union_dissolution(project: Project, ctx: Context) -> None:
    project.actual_end = ctx.on
    if project.union is not None and project.union.state in ("active", "suspended"):
        union_lifecycle.LIFECYCLE.fire(project.union, "begin_dissolution", ctx)


LIFECYCLE = Lifecycle(
    PROJECT,
    guards={},
    effects={
        "open_union": open_union,
        "suspend_union": suspend_union,
        "resume_union": resume_union,
        "begin_union_dissolution": begin_union_dissolution,
    },
)
