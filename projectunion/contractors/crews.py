"""Crew pages: a crew, its small changes (name, leader, closing, a member leaving), its roster
(upload, preview, commit, export) and sending it onto a site."""

from __future__ import annotations

import base64
import binascii

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from projectunion import permissions
from projectunion.contractors import bp
from projectunion.contractors.forms import (
    DateForm,
    EnterSiteForm,
    LeaderForm,
    RenameForm,
    RosterCommitForm,
    RosterUploadForm,
)
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.i18n import _
from projectunion.models import CrewMember, Worker
from projectunion.services import crews, rosters, site_entries
from projectunion.web import apply_errors, flash_form_errors, refuse

ROSTER_PREVIEW_ROWS = 50


@bp.get("/crews/<int:crew_id>")
def crew(crew_id: int):
    session = get_session()
    crew = crews.get_crew(session, current_user, crew_id)
    can_roster = permissions.can_view_roster(session, current_user, crew)
    members = crews.current_members(session, crew) if can_roster else []
    leader_form = LeaderForm(leader_worker_id=crew.leader_worker_id or 0)
    leader_form.leader_worker_id.choices = [SelectChoice(0, _("(none)"))] + [
        SelectChoice(m.worker_id, m.worker.name) for m in members
    ]
    return render_template(
        "contractors/crew.html",
        crew=crew,
        members=members,
        history=[m for m in crews.member_history(session, crew) if m.left_on] if can_roster else [],
        entries=site_entries.entries_for_crew(session, current_user, crew),
        can_manage=permissions.can_manage_crew(current_user, crew),
        can_roster=can_roster,
        can_export=permissions.can_export_roster(current_user, crew),
        rename_form=RenameForm(name=crew.name),
        leader_form=leader_form,
        date_form=DateForm(),
    )


def _crew_to_manage(crew_id: int):
    crew = crews.get_crew(get_session(), current_user, crew_id)
    crews.require_manage(current_user, crew)
    return crew


def _crew_change(crew, form, change, done) -> Response:
    """One small change to a crew from its page: apply it through the service, say how it went, go back."""
    if form.validate_on_submit():
        try:
            change()
            flash(done(), "success")
        except DomainError as exc:
            refuse(exc)
    else:
        flash_form_errors(form)
    return redirect(url_for(".crew", crew_id=crew.id))


@bp.post("/crews/<int:crew_id>/rename")
def rename_crew(crew_id: int):
    crew, form = _crew_to_manage(crew_id), RenameForm()
    return _crew_change(
        crew,
        form,
        lambda: crews.rename_crew(get_session(), current_user, crew, form.name.data),
        lambda: _("Crew renamed."),
    )


@bp.post("/crews/<int:crew_id>/leader")
def set_leader(crew_id: int):
    crew, form = _crew_to_manage(crew_id), LeaderForm()
    return _crew_change(
        crew,
        form,
        lambda: crews.set_leader(get_session(), current_user, crew, form.leader_worker_id.data or None),
        lambda: _("Crew leader saved."),
    )


@bp.post("/crews/<int:crew_id>/close")
def close_crew(crew_id: int):
    crew, form = _crew_to_manage(crew_id), DateForm()
    return _crew_change(
        crew,
        form,
        lambda: crews.close_crew(get_session(), current_user, crew, form.on.data),
        lambda: _("Crew closed; its members were recorded as having left."),
    )


@bp.post("/crews/<int:crew_id>/members/<int:member_id>/leave")
def member_leaves(crew_id: int, member_id: int):
    crew = _crew_to_manage(crew_id)
    member = get_session().get(CrewMember, member_id)
    if member is None or member.crew_id != crew.id:
        abort(404)
    form = DateForm()
    return _crew_change(
        crew,
        form,
        lambda: crews.remove_member(get_session(), current_user, member, form.on.data),
        lambda: _("%(name)s was recorded as having left the crew.", name=member.worker.name),
    )


# --- rosters ------------------------------------------------------------------------


@bp.route("/crews/<int:crew_id>/roster", methods=["GET", "POST"])
def roster(crew_id: int):
    """Upload → preview with every row's problems; the file comes back with the confirmation."""
    crew = _crew_to_manage(crew_id)
    crews.require_open(crew)
    form = RosterUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or ""
        whole_crew = bool(form.whole_crew.data)
        try:
            result = rosters.import_roster(
                get_session(), current_user, crew, data, dry_run=True, whole_crew=whole_crew, filename=filename
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return _preview_page(crew, result, data, filename)
    return render_template("contractors/roster_upload.html", crew=crew, form=form, accept=rosters.ACCEPT)


def _preview_page(crew, result: rosters.RosterResult, data: bytes, filename: str, refusal: str | None = None):
    commit_form = RosterCommitForm(
        formdata=None,  # filled from the preview, never from the request that carried the upload
        content=base64.b64encode(data).decode("ascii"),
        filename=filename,
        whole_crew="1" if result.whole_crew else "",
        expected_left=str(result.left),
    )
    return render_template(
        "contractors/roster_preview.html",
        crew=crew,
        result=result,
        sample=[] if result.blocked else [r for r in result.rows if r.valid][:ROSTER_PREVIEW_ROWS],
        commit_form=commit_form,
        field_labels=rosters.FIELD_LABELS,
        required=[rosters.FIELD_LABELS[name] for name in rosters.REQUIRED],
        missing=[rosters.FIELD_LABELS[name] for name in result.missing_columns],
        refusal=refusal,
    )


@bp.get("/rosters/template.xlsx")
def roster_template():
    """An empty roster to fill in, with the import's headers and one example row."""
    return Response(
        rosters.template_xlsx(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="roster-template.xlsx"'},
    )


@bp.post("/crews/<int:crew_id>/roster/commit")
def commit_roster(crew_id: int):
    crew = _crew_to_manage(crew_id)
    # The previewed file comes back base64-encoded in the form; allow it past the form-size limit.
    request.max_form_memory_size = rosters.MAX_BYTES * 2
    form = RosterCommitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        data = base64.b64decode(form.content.data or "", validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    whole_crew = form.whole_crew.data == "1"
    expected = form.expected_left.data or ""
    confirm_left = int(expected) if form.confirm_left.data and expected.isdigit() else None
    filename = form.filename.data or None
    session = get_session()
    try:
        result = rosters.import_roster(
            session,
            current_user,
            crew,
            data,
            dry_run=False,
            whole_crew=whole_crew,
            confirm_left=confirm_left,
            filename=filename,
        )
    except rosters.LeaversNotConfirmed as exc:
        preview = rosters.import_roster(
            session, current_user, crew, data, dry_run=True, whole_crew=True, filename=filename
        )
        return _preview_page(crew, preview, data, form.filename.data or "", refusal=str(exc.message)), 400
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for(".roster", crew_id=crew.id))
    flash(
        _(
            "Roster imported: %(created)d joined, %(updated)d updated, %(left)d recorded as left, %(skipped)d rows with problems skipped.",
            created=result.created,
            updated=result.updated,
            left=result.left,
            skipped=len(result.rows) - result.valid,
        ),
        "success",
    )
    return redirect(url_for(".crew", crew_id=crew.id))


@bp.get("/crews/<int:crew_id>/roster.<any(csv, xlsx):kind>")
def export_roster(crew_id: int, kind: str):
    session = get_session()
    crew = crews.get_crew(session, current_user, crew_id)
    stamp = today().strftime("%Y%m%d")
    filename = f"roster-{crew.id}-{stamp}.{kind}"
    if kind == "csv":
        body, mimetype = rosters.export_csv(session, current_user, crew), "text/csv; charset=utf-8"
    else:
        body = rosters.export_xlsx(session, current_user, crew)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- onto a site -----------------------------------------------------------------


@bp.route("/crews/<int:crew_id>/enter", methods=["GET", "POST"])
def enter_site(crew_id: int):
    """The company sends its crew (or one member alone) onto a site."""
    session = get_session()
    crew = _crew_to_manage(crew_id)
    crews.require_open(crew)
    form = EnterSiteForm()
    sites = site_entries.sites_open_for_entry(session, current_user)
    members = crews.current_members(session, crew)
    form.project_id.choices = [SelectChoice("", _("Please choose a site"))] + [
        SelectChoice(p.id, f"{p.name} ({p.permit_no})") for p in sites
    ]
    form.worker_id.choices = [SelectChoice(0, _("The whole crew"))] + [
        SelectChoice(m.worker_id, m.worker.name) for m in members
    ]
    if form.validate_on_submit():
        project = next((p for p in sites if p.id == form.project_id.data), None)
        worker = session.get(Worker, form.worker_id.data) if form.worker_id.data else None
        if project is None:
            form.project_id.errors = [_("Choose a site from the list.")]
        else:
            try:
                site_entries.enter_site(
                    session, current_user, project, crew=crew, worker=worker, entered_on=form.entered_on.data
                )
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                flash(_("Entry onto %(site)s recorded.", site=project.name), "success")
                return redirect(url_for(".crew", crew_id=crew.id))
    return render_template("contractors/enter_site.html", crew=crew, form=form, sites=sites)
