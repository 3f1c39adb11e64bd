from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from projectunion import labels, lifecycle, permissions, scopes
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.forms import EventForm, contractor_choices, int_or_none, place_choices, town_choices
from projectunion.i18n import _, _l
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN, PROJECT
from projectunion.models import Contractor, Jurisdiction, Membership, Project, SiteEntry, User
from projectunion.projects import bp
from projectunion.projects.forms import EditProjectForm, NewProjectForm, ProjectFilterForm, StartForm
from projectunion.services import events as event_service
from projectunion.services import jurisdictions, projects
from projectunion.web import (
    apply_errors,
    confirm_event,
    flash_done,
    flash_form_errors,
    get_or_404,
    paginate,
    refuse,
    state_history,
    visible_or_404,
)


def _filtered(form: ProjectFilterForm) -> sa.Select:
    session = get_session()
    query = (
        sa.select(Project)
        .where(scopes.visible_projects(current_user))
        .options(
            so.selectinload(Project.town), so.selectinload(Project.union), so.selectinload(Project.general_contractor)
        )
        .order_by(Project.created_at.desc(), Project.id.desc())
    )
    if q := (form.q.data or "").strip():
        like = f"%{q}%"
        query = query.where(
            sa.or_(Project.name.ilike(like), Project.permit_no.ilike(like), Project.address.ilike(like))
        )
    if form.state.data in PROJECT.states:
        query = query.where(Project.state == form.state.data)
    if place := jurisdictions.by_code(session, form.place.data):
        query = query.where(
            Project.town_id.in_(sa.select(Jurisdiction.id).where(Jurisdiction.path.startswith(place.path)))
        )
    if contractor_id := int_or_none(form.contractor.data):
        query = query.where(Project.general_contractor_id == contractor_id)
    return query


@bp.get("/")
def index():
    form = ProjectFilterForm(request.args)
    form.state.choices = [("", _("All states"))] + [(k, str(v)) for k, v in labels.STATES["project"].items()]
    form.place.choices = place_choices(_l("Everywhere"))
    contractors = get_session().execute(
        sa.select(Contractor.id, Contractor.name)
        .where(Contractor.id.in_(sa.select(Project.general_contractor_id).where(scopes.visible_projects(current_user))))
        .order_by(Contractor.name)
    )
    form.contractor.choices = [("", _("All contractors"))] + [(str(i), n) for i, n in contractors]
    page = paginate(_filtered(form))
    filtered = any(request.args.get(k) for k in ("q", "state", "place", "contractor"))
    return render_template("projects/index.html", form=form, page=page, filtered=filtered)


def _project_values(form) -> dict:
    return {
        "name": form.name.data,
        "address": form.address.data,
        "general_contractor_id": int_or_none(form.general_contractor_id.data),
        "planned_start": form.planned_start.data,
        "planned_end": form.planned_end.data,
    }


@bp.route("/new", methods=["GET", "POST"])
def new():
    permissions.require(permissions.can_register_projects(current_user))
    form = NewProjectForm()
    towns = town_choices(current_user)
    permissions.require(bool(towns))
    form.town_code.choices = {None: [("", _("Choose…"))], **towns}
    form.general_contractor_id.choices = contractor_choices(_l("Not known yet"))
    if form.validate_on_submit():
        session = get_session()
        try:
            project = projects.register_project(
                session,
                current_user,
                permit_no=form.permit_no.data,
                town=jurisdictions.by_code(session, form.town_code.data),
                registered_on=form.registered_on.data,
                **_project_values(form),
            )
        except DomainError as exc:
            apply_errors(form, exc, {"town": "town_code"})
        else:
            flash_done(_("Project “%(name)s” is registered. Start it when construction begins.", name=project.name))
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None)


@bp.get("/<int:project_id>")
def show(project_id: int):
    session = get_session()
    project = visible_or_404(get_or_404(Project, project_id))
    can_manage = permissions.can_manage_project(current_user, project)
    union = project.union
    counts = {}
    if union is not None:
        counts = dict(
            session.execute(
                sa.select(Membership.state, sa.func.count(Membership.id))
                .where(Membership.union_id == union.id)
                .group_by(Membership.state)
            ).all()
        )
    entries = session.scalars(
        sa.select(SiteEntry).where(SiteEntry.project_id == project.id).order_by(SiteEntry.entered_on.desc()).limit(50)
    ).all()
    next_link = None
    if (
        project.state == "under_construction"
        and union is not None
        and union.state in ENROLLMENT_OPEN
        and permissions.can_manage_union(current_user, union)
    ):
        # On a running site the officer's usual next step is enrolling workers, not a lifecycle event.
        next_link = {"url": url_for("unions.enroll", union_id=union.id), "label": _("Enroll workers")}
    return render_template(
        "projects/show.html",
        project=project,
        union=union,
        counts=counts,
        can_manage=can_manage,
        events=lifecycle.allowed_events(project) if can_manage else [],
        usual_event=labels.USUAL_NEXT["project"].get(project.state),
        next_link=next_link,
        history=state_history("project", project.id),
        entries=entries,
    )


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
def edit(project_id: int):
    project = visible_or_404(get_or_404(Project, project_id))
    permissions.require(permissions.can_manage_project(current_user, project))
    form = EditProjectForm(obj=project)
    form.general_contractor_id.choices = contractor_choices(_l("Not known yet"))
    if request.method == "GET":
        form.general_contractor_id.data = str(project.general_contractor_id or "")
    if form.validate_on_submit():
        try:
            projects.update_project(get_session(), current_user, project, **_project_values(form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(_("The project is saved."))
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project)


@bp.route("/<int:project_id>/events/<event>", methods=["GET", "POST"])
def fire(project_id: int, event: str):
    project = visible_or_404(get_or_404(Project, project_id))
    permissions.require(permissions.can_manage_project(current_user, project))
    if event not in PROJECT.events():
        abort(404)
    form = StartForm() if event == "start" else EventForm()

    def data():
        name = form.union_name.data.strip() if event == "start" and form.union_name.data else ""
        return {"union_name": name} if name else {}

    extra = {}
    if event == "complete":
        extra = {
            "template": "projects/complete_confirm.html",
            "on_site": event_service.crews_on_site(get_session(), project),
        }
    return confirm_event(
        form,
        project,
        "project",
        event,
        subject=project.name,
        back=url_for("projects.show", project_id=project.id),
        data=data,
        **extra,
    )


# --- officers on the project (and so on its union) ------------------------------------


class OfficerForm(FlaskForm):
    """Assigning, taking up or removing an officer: the CSRF token and which officer."""

    officer_id = HiddenField()


@bp.app_template_global()
def assignable_officers(project: Project) -> list:
    """The officers union staff can put on ``project`` (the project page's drop-down)."""
    return projects.assignable_officers(get_session(), project)


@bp.post("/<int:project_id>/officers/<action>")
def officers(project_id: int, action: str):
    """Union staff assign or remove an officer; an officer takes up an unassigned planned project."""
    session = get_session()
    project = visible_or_404(get_or_404(Project, project_id))
    form = OfficerForm()
    back = redirect(url_for("projects.show", project_id=project.id))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back
    officer = session.get(User, int_or_none(form.officer_id.data) or 0)
    try:
        if action == "assign":
            projects.assign_officer(session, current_user, project, officer)
            message = _("%(name)s now runs this project and its union.", name=officer.display_name)
        elif action == "remove" and officer is not None:
            projects.unassign_officer(session, current_user, project, officer)
            message = _("%(name)s no longer runs this project.", name=officer.display_name)
        elif action == "take-up":
            projects.take_up_project(session, current_user, project)
            message = _("You now run this project. Start it when construction begins.")
        else:
            abort(404)
    except DomainError as exc:
        refuse(exc)
    else:
        flash_done(message)
    return back
