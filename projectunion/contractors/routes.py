"""Company, crew, roster and site pages. Each view validates its form, calls one service
and redirects; the services decide who may do what (404 out of scope, 403 read-only)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from projectunion import permissions
from projectunion.contractors import bp
from projectunion.contractors.forms import (
    CompanyForm,
    CrewForm,
    DateForm,
    DecisionsForm,
    EnrollCrewForm,
    EnterSiteForm,
    LeaderForm,
    RenameForm,
    RosterCommitForm,
    RosterUploadForm,
    SiteCrewForm,
)
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import Conflict, DomainError, ValidationError
from projectunion.i18n import _, _l
from projectunion.lifecycle.declarations import END_REASONS
from projectunion.models import CrewMember, Worker
from projectunion.services import contractors, crews, rosters, site_entries
from projectunion.services.contractors import KIND_LABELS

END_REASON_LABELS = {
    "left_site": _l("Left the site"),
    "project_completed": _l("Project completed"),
    "withdrew": _l("Withdrew"),
    "deceased": _l("Deceased"),
    "other": _l("Other"),
}
STATUS_LABELS = {
    "member": _l("Member"),
    "member_here": _l("Member here"),
    "applied": _l("Applied"),
    "applied_here": _l("Applied by QR code"),
    "active_elsewhere": _l("Member elsewhere"),
    "none": _l("Not a member"),
}
CREW_STATE_LABELS = {"open": _l("Open"), "closed": _l("Closed")}
ROSTER_PREVIEW_ROWS = 50


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in users."""


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "crew_state_labels": CREW_STATE_LABELS,
        "end_reason_labels": END_REASON_LABELS,
        "field_labels": rosters.FIELD_LABELS,
    }


def _place_errors(form, exc: DomainError, rows_prefix: str | None = None) -> dict[int, str]:
    """Show a refusal on the form: by field where the service named one, else at the top.

    Errors keyed ``<rows_prefix>-<id>`` belong to one row of a table and are returned by id.
    """
    rows: dict[int, str] = {}
    fields = getattr(exc, "fields", None) or {}
    for name, message in fields.items():
        head, _sep, tail = name.rpartition("-")
        field = getattr(form, name, None)
        if rows_prefix and head == rows_prefix and tail.isdigit():
            rows[int(tail)] = str(message)
        elif field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or ()), str(message)]
        else:
            form.form_errors.append(str(message))
    if rows or not fields or not isinstance(exc, ValidationError):
        form.form_errors.append(str(exc.message))
    return rows


def _refused(exc: DomainError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages = [str(m) for m in (getattr(exc, "fields", None) or {}).values()] or [str(exc.message)]
    for message in messages:
        flash(message, "error")


# --- companies --------------------------------------------------------------------


@bp.get("/contractors/")
def index():
    if current_user.role == "contractor":
        return redirect(url_for(".company", contractor_id=current_user.contractor_id))
    session = get_session()
    companies = contractors.visible_contractors(session, current_user)
    if not companies and current_user.role not in contractors.UNION_SIDE:
        abort(403)
    return render_template(
        "contractors/index.html",
        companies=companies,
        can_register=contractors.can_register_contractor(current_user),
    )


@bp.route("/contractors/new", methods=["GET", "POST"])
def register():
    permissions.require(contractors.can_register_contractor(current_user))
    form = CompanyForm()
    if form.validate_on_submit():
        try:
            company = contractors.register_contractor(
                get_session(), current_user, name=form.name.data, uscc=form.uscc.data, kind=form.kind.data
            )
        except DomainError as exc:
            _place_errors(form, exc)
        else:
            flash(_("Company registered."), "success")
            return redirect(url_for(".company", contractor_id=company.id))
    return render_template("contractors/company_form.html", form=form, company=None)


@bp.get("/contractors/<int:contractor_id>")
def company(contractor_id: int):
    session = get_session()
    company = contractors.get_contractor(session, current_user, contractor_id)
    crew_list = crews.crews_of(session, current_user, company)
    return render_template(
        "contractors/company.html",
        company=company,
        crews=crew_list,
        counts=crews.member_counts(session, [c.id for c in crew_list]),
        can_manage=contractors.can_manage_contractor(current_user, company),
        can_see_workers=contractors.can_see_workers_status(current_user, company),
    )


@bp.route("/contractors/<int:contractor_id>/edit", methods=["GET", "POST"])
def edit_company(contractor_id: int):
    session = get_session()
    company = contractors.get_contractor(session, current_user, contractor_id)
    permissions.require(contractors.can_manage_contractor(current_user, company))
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            contractors.update_contractor(
                session, current_user, company, name=form.name.data, uscc=form.uscc.data, kind=form.kind.data
            )
        except DomainError as exc:
            _place_errors(form, exc)
        else:
            flash(_("Company details saved."), "success")
            return redirect(url_for(".company", contractor_id=company.id))
    return render_template("contractors/company_form.html", form=form, company=company)


@bp.get("/contractors/<int:contractor_id>/workers")
def workers(contractor_id: int):
    session = get_session()
    company = contractors.get_contractor(session, current_user, contractor_id)
    rows = contractors.workers_status(session, current_user, company)
    return render_template("contractors/workers.html", company=company, rows=rows)


# --- crews --------------------------------------------------------------------------


@bp.route("/contractors/<int:contractor_id>/crews/new", methods=["GET", "POST"])
def new_crew(contractor_id: int):
    session = get_session()
    company = contractors.get_contractor(session, current_user, contractor_id)
    permissions.require(contractors.can_manage_contractor(current_user, company))
    form = CrewForm()
    if form.validate_on_submit():
        try:
            crew = crews.create_crew(
                session, current_user, company, name=form.name.data, created_on=form.created_on.data
            )
        except DomainError as exc:
            _place_errors(form, exc)
        else:
            flash(_("Crew created. Next, import its roster."), "success")
            return redirect(url_for(".crew", crew_id=crew.id))
    return render_template("contractors/crew_form.html", form=form, company=company)


@bp.get("/crews/<int:crew_id>")
def crew(crew_id: int):
    session = get_session()
    crew = crews.get_crew(session, current_user, crew_id)
    can_manage = crews.can_manage_crew(current_user, crew)
    can_roster = crews.can_view_roster(session, current_user, crew)
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
        can_manage=can_manage,
        can_roster=can_roster,
        can_export=rosters.can_export_roster(current_user, crew),
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
            _refused(exc)
    else:
        _form_flash(form)
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


def _form_flash(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


# --- rosters ------------------------------------------------------------------------


@bp.route("/crews/<int:crew_id>/roster", methods=["GET", "POST"])
def roster(crew_id: int):
    """Upload → preview with every row's problems; the file comes back with the confirmation."""
    crew = _crew_to_manage(crew_id)
    crews.require_open(crew)
    form = RosterUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            result = rosters.import_roster(get_session(), current_user, crew, data, dry_run=True)
        except DomainError as exc:
            _place_errors(form, exc)
        else:
            commit = RosterCommitForm(
                content=base64.b64encode(data).decode("ascii"), filename=form.file.data.filename or ""
            )
            return _preview_page(crew, result, commit)
    return render_template("contractors/roster_upload.html", crew=crew, form=form)


def _preview_page(crew, result: rosters.RosterResult, commit_form: RosterCommitForm):
    return render_template(
        "contractors/roster_preview.html",
        crew=crew,
        result=result,
        sample=[r for r in result.rows if r.valid][:ROSTER_PREVIEW_ROWS],
        commit_form=commit_form,
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
    try:
        result = rosters.import_roster(get_session(), current_user, crew, data, dry_run=False)
    except DomainError as exc:
        _refused(exc)
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


# --- sites ---------------------------------------------------------------------------


@bp.route("/crews/<int:crew_id>/enter", methods=["GET", "POST"])
def enter_site(crew_id: int):
    """The company sends its crew (or one member alone) onto a site."""
    session = get_session()
    crew = _crew_to_manage(crew_id)
    crews.require_open(crew)
    form = EnterSiteForm()
    sites = site_entries.sites_open_for_entry(session, current_user)
    members = crews.current_members(session, crew)
    form.project_id.choices = [SelectChoice(p.id, f"{p.name} ({p.permit_no})") for p in sites]
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
                _place_errors(form, exc)
            else:
                flash(_("Entry onto %(site)s recorded.", site=project.name), "success")
                return redirect(url_for(".crew", crew_id=crew.id))
    return render_template("contractors/enter_site.html", crew=crew, form=form, sites=sites)


@bp.get("/sites/")
def sites():
    rows = site_entries.site_list(get_session(), current_user)
    return render_template("contractors/sites.html", rows=rows)


@bp.route("/sites/<int:project_id>", methods=["GET", "POST"])
def site(project_id: int):
    session = get_session()
    project = site_entries.get_project(session, current_user, project_id)
    union = project.union
    can_manage = permissions.can_manage_project(current_user, project)
    can_decide = union is not None and permissions.can_manage_union(current_user, union)
    form = SiteCrewForm()
    if can_manage:
        form.crew_id.choices = [
            SelectChoice(c.id, f"{c.contractor.name} · {c.name}") for c in site_entries.crews_to_send(session)
        ]
        if form.validate_on_submit():
            try:
                crew = crews.get_crew(session, current_user, form.crew_id.data)
                site_entries.enter_site(session, current_user, project, crew=crew, entered_on=form.entered_on.data)
            except DomainError as exc:
                _place_errors(form, exc)
            else:
                flash(_("Entry of %(crew)s recorded.", crew=crew.name), "success")
                return redirect(url_for(".site", project_id=project.id))
    elif request.method == "POST":
        abort(403)
    entries = site_entries.entries_for_project(session, current_user, project)
    return render_template(
        "contractors/site.html",
        project=project,
        union=union,
        entries=entries,
        form=form,
        exit_form=DateForm(),
        can_manage=can_manage,
        can_decide=can_decide,
        pending=site_entries.pending_exit_decisions(session, current_user, union) if can_decide else [],
        can_record=lambda e: e.crew is not None and site_entries.can_record_entry(current_user, project, e.crew),
    )


@bp.post("/site-entries/<int:entry_id>/exit")
def exit_site(entry_id: int):
    session = get_session()
    entry = site_entries.get_entry(session, current_user, entry_id)
    form = DateForm()
    if form.validate_on_submit():
        try:
            site_entries.exit_site(session, current_user, entry, form.on.data)
        except DomainError as exc:
            _refused(exc)
        else:
            flash(_("Exit recorded."), "success")
            union = entry.project.union
            deciding = union is not None and permissions.can_manage_union(current_user, union)
            if deciding and site_entries.affected_members(session, entry):
                return redirect(url_for(".decisions", entry_id=entry.id))
    else:
        _form_flash(form)
    if current_user.role == "contractor" and entry.crew is not None:
        return redirect(url_for(".crew", crew_id=entry.crew_id))
    return redirect(url_for(".site", project_id=entry.project_id))


@bp.route("/site-entries/<int:entry_id>/decisions", methods=["GET", "POST"])
def decisions(entry_id: int):
    """After an exit: keep, transfer or end each affected member's membership."""
    session = get_session()
    entry = site_entries.get_entry(session, current_user, entry_id)
    union = entry.project.union
    permissions.require(union is not None and permissions.can_manage_union(current_user, union))
    form = DecisionsForm()
    members = site_entries.affected_members(session, entry)
    chosen: dict[int, dict[str, Any]] = {}
    row_errors: dict[int, str] = {}
    if form.validate_on_submit():
        for m in members:
            action = request.form.get(f"action-{m.id}", "")
            if action:
                chosen[m.id] = {
                    "action": action,
                    "to_union_id": request.form.get(f"to_union-{m.id}") or None,
                    "reason": request.form.get(f"reason-{m.id}") or None,
                }
        if not chosen:
            form.form_errors.append(_("Choose what happens to at least one member."))
        else:
            try:
                counts = site_entries.decide_after_exit(session, current_user, entry, chosen, on=form.on.data)
            except DomainError as exc:
                row_errors = _place_errors(form, exc, "decision")
            else:
                flash(
                    _(
                        "Decisions saved: %(keep)d kept, %(transfer)d transferred, %(end)d ended.",
                        keep=counts["keep"],
                        transfer=counts["transfer"],
                        end=counts["end"],
                    ),
                    "success",
                )
                return redirect(url_for(".site", project_id=entry.project_id))
    return render_template(
        "contractors/decisions.html",
        entry=entry,
        union=union,
        members=members,
        form=form,
        chosen=chosen,
        row_errors=row_errors,
        destinations=site_entries.transfer_destinations(session, current_user, union),
        reasons=[r for r in END_REASONS if r != "project_completed"],
    )


@bp.route("/sites/<int:project_id>/crews/<int:crew_id>/enroll", methods=["GET", "POST"])
def enroll_crew(project_id: int, crew_id: int):
    """The officer enrolls the crew members who agreed; members elsewhere may be transferred."""
    session = get_session()
    project = site_entries.get_project(session, current_user, project_id)
    crew = crews.get_crew(session, current_user, crew_id)
    try:
        candidates = site_entries.enrollment_candidates(session, current_user, project, crew)
    except Conflict as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".site", project_id=project.id))
    form = EnrollCrewForm()
    ticked = {int(v) for v in request.form.getlist("worker_id") if v.isdigit()}
    transfer = {int(v) for v in request.form.getlist("transfer") if v.isdigit()}
    row_errors: dict[int, str] = {}
    if form.validate_on_submit():
        try:
            enrolled = site_entries.enroll_from_crew(
                session,
                current_user,
                project,
                crew,
                worker_ids=sorted(ticked),
                transfer_ids=sorted(transfer),
                consent=form.consent.data,
                joined_on=form.joined_on.data,
            )
        except DomainError as exc:
            row_errors = _place_errors(form, exc, "worker")
        else:
            flash(_("%(n)d workers enrolled in %(union)s.", n=len(enrolled), union=project.union.name), "success")
            return redirect(url_for(".site", project_id=project.id))
    return render_template(
        "contractors/enroll.html",
        project=project,
        crew=crew,
        candidates=candidates,
        form=form,
        ticked=ticked,
        transfer=transfer,
        row_errors=row_errors,
    )
