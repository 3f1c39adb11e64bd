"""Site pages (进场 / 退场): the sites, one site's entries, an exit, the decisions an exit
asks for, and enrolling a crew that is on the site."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from projectunion import permissions
from projectunion.contractors import bp
from projectunion.contractors.forms import DateForm, DecisionsForm, EnrollCrewForm, SiteCrewForm
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import Conflict, DomainError
from projectunion.i18n import _
from projectunion.lifecycle.declarations import END_REASONS, ENROLLMENT_OPEN
from projectunion.services import crews, site_entries
from projectunion.web import apply_errors, flash_form_errors, refuse


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
        # No crew is preselected: the first in the list is as likely another company's as the right one.
        form.crew_id.choices = [SelectChoice("", _("Please choose a crew"))] + [
            SelectChoice(c.id, f"{c.contractor.name} · {c.name}") for c in site_entries.crews_to_send(session)
        ]
        if form.validate_on_submit():
            if form.crew_id.data is None:
                form.crew_id.errors = [_("Choose the crew that entered the site.")]
            else:
                try:
                    crew = crews.get_crew(session, current_user, form.crew_id.data)
                    site_entries.enter_site(session, current_user, project, crew=crew, entered_on=form.entered_on.data)
                except DomainError as exc:
                    apply_errors(form, exc)
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
        enrollment_open=union is not None and union.state in ENROLLMENT_OPEN,
        open_for_entry=project.state in site_entries.ENTRY_OPEN_STATES,
        pending=site_entries.pending_exit_decisions(session, current_user, union) if can_decide else [],
        can_record=lambda e: e.crew is not None and permissions.can_record_entry(current_user, project, e.crew),
        own_crews_only=permissions.acts_for_contractor(current_user),
    )


def _workers_leaving(session, entry) -> int:
    """How many people an exit takes off the site: the crew's current members, or the one worker."""
    return 1 if entry.worker is not None else len(crews.current_members(session, entry.crew))


@bp.post("/site-entries/<int:entry_id>/exit")
def exit_site(entry_id: int):
    session = get_session()
    entry = site_entries.get_entry(session, current_user, entry_id)
    form = DateForm()
    plausible = form.on.data is not None and entry.entered_on <= form.on.data <= today() and entry.exited_on is None
    if form.validate_on_submit() and plausible and request.form.get("confirmed") != "1":
        # One click must not move a whole crew off site: say who and how many, and ask.
        permissions.require(
            entry.crew is not None and permissions.can_record_entry(current_user, entry.project, entry.crew)
        )
        return render_template(
            "contractors/site_exit_confirm.html",
            entry=entry,
            on=form.on.data,
            workers=_workers_leaving(session, entry),
            form=form,
            back=_after_exit(entry),
        )
    if form.validate_on_submit():
        try:
            site_entries.exit_site(session, current_user, entry, form.on.data)
        except DomainError as exc:
            refuse(exc)
        else:
            flash(_("Exit recorded."), "success")
            union = entry.project.union
            deciding = union is not None and permissions.can_manage_union(current_user, union)
            if deciding and site_entries.affected_members(session, entry):
                return redirect(url_for(".decisions", entry_id=entry.id))
    else:
        flash_form_errors(form)
    return redirect(_after_exit(entry))


def _after_exit(entry) -> str:
    if permissions.acts_for_contractor(current_user) and entry.crew is not None:
        return url_for(".crew", crew_id=entry.crew_id)
    return url_for(".site", project_id=entry.project_id)


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
                row_errors = apply_errors(form, exc, rows_prefix="decision")
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
            row_errors = apply_errors(form, exc, rows_prefix="worker")
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
