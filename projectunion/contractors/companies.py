"""Company pages: the list, registering and editing a company, its workers' union status.

Each view validates its form, calls one service and redirects; the services
decide who may do what (404 out of scope, 403 read-only).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from projectunion import permissions
from projectunion.contractors import bp
from projectunion.contractors.forms import CompanyForm, CrewForm
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.i18n import _
from projectunion.models import Contractor
from projectunion.services import contractors, crews
from projectunion.web import apply_errors


@bp.get("/contractors/")
def index():
    if permissions.acts_for_contractor(current_user):
        return redirect(url_for(".company", contractor_id=current_user.contractor_id))
    if not permissions.can_list_contractors(current_user):
        abort(403)
    return render_template(
        "contractors/index.html",
        companies=contractors.visible_contractors(get_session(), current_user),
        can_register=permissions.can_register_contractor(current_user),
    )


def _company_form(company: Contractor | None, save: Callable[..., Contractor], done: str):
    """The register and edit pages: one form, saved through ``save``; then the company's page."""
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            saved = save(name=form.name.data, uscc=form.uscc.data, kind=form.kind.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for(".company", contractor_id=saved.id))
    return render_template("contractors/company_form.html", form=form, company=company)


@bp.route("/contractors/new", methods=["GET", "POST"])
def register():
    permissions.require(permissions.can_register_contractor(current_user))
    return _company_form(
        None,
        lambda **values: contractors.register_contractor(get_session(), current_user, **values),
        _("Company registered."),
    )


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
    )


@bp.route("/contractors/<int:contractor_id>/edit", methods=["GET", "POST"])
def edit_company(contractor_id: int):
    session = get_session()
    company = contractors.get_contractor(session, current_user, contractor_id)
    permissions.require(permissions.can_manage_contractor(current_user, company))
    return _company_form(
        company,
        lambda **values: contractors.update_contractor(session, current_user, company, **values),
        _("Company details saved."),
    )


@bp.get("/contractors/<int:contractor_id>/workers")
def workers(contractor_id: int):
    session = get_session()
    company = contractors.get_contractor(session, current_user, contractor_id)
    rows = contractors.workers_status(session, current_user, company)
    return render_template("contractors/workers.html", company=company, rows=rows)


@bp.route("/contractors/<int:contractor_id>/crews/new", methods=["GET", "POST"])
def new_crew(contractor_id: int):
    session = get_session()
    company = contractors.get_contractor(session, current_user, contractor_id)
    permissions.require(permissions.can_manage_contractor(current_user, company))
    form = CrewForm()
    if form.validate_on_submit():
        try:
            crew = crews.create_crew(
                session, current_user, company, name=form.name.data, created_on=form.created_on.data
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Crew created. Next, import its roster."), "success")
            return redirect(url_for(".crew", crew_id=crew.id))
    return render_template("contractors/crew_form.html", form=form, company=company)
