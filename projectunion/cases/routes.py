from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from projectunion import labels, lifecycle, permissions, scopes
from projectunion.cases import bp
from projectunion.cases.forms import (
    CaseFilterForm,
    ResolveForm,
    ServiceFilterForm,
    ServiceForm,
    WageCaseForm,
)
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.forms import EventForm, contractor_choices, int_or_none
from projectunion.i18n import _, _l
from projectunion.lifecycle.declarations import ACTIVATED, WAGE_CASE, WAGE_CASE_OPEN
from projectunion.models import Membership, ServiceRecord, Union, WageCase, Worker
from projectunion.services import service_records
from projectunion.services import wage_cases as wage_case_service
from projectunion.web import (
    apply_errors,
    confirm_event,
    flash_done,
    get_or_404,
    paginate,
    state_history,
    visible_or_404,
)

UNRESOLVED = "unresolved"


def _union_filter_choices(model) -> list:
    rows = get_session().execute(
        sa.select(Union.id, Union.name)
        .where(scopes.visible_unions(current_user), Union.id.in_(sa.select(model.union_id)))
        .order_by(Union.name)
    )
    return [("", _("All unions"))] + [(str(i), n) for i, n in rows]


# Wage cases -----------------------------------------------------------------------


@bp.get("/wage-cases")
def wage_cases():
    form = CaseFilterForm(request.args)
    form.state.choices = [("", _("All states")), (UNRESOLVED, _("Not resolved yet"))] + [
        (k, str(v)) for k, v in labels.STATES["wage_case"].items()
    ]
    form.union_id.choices = _union_filter_choices(WageCase)
    query = (
        sa.select(WageCase)
        .join(Union, WageCase.union_id == Union.id)
        .where(scopes.visible_unions(current_user))
        .options(
            so.contains_eager(WageCase.union), so.selectinload(WageCase.contractor), so.selectinload(WageCase.workers)
        )
        .order_by(WageCase.opened_on.desc(), WageCase.id.desc())
    )
    if q := (form.q.data or "").strip():
        query = query.where(WageCase.summary.contains(q))
    if form.state.data == UNRESOLVED:
        query = query.where(WageCase.state.in_(WAGE_CASE_OPEN))
    elif form.state.data in WAGE_CASE.states:
        query = query.where(WageCase.state == form.state.data)
    if union_id := int_or_none(form.union_id.data):
        query = query.where(WageCase.union_id == union_id)
    filtered = any(request.args.get(k) for k in ("q", "state", "union_id"))
    return render_template("cases/wage_cases.html", form=form, page=paginate(query), filtered=filtered)


def _member_choices(union: Union) -> list[tuple[int, str]]:
    """Everyone who has been a member of the union: a claim can come after leaving the site."""
    rows = get_session().execute(
        sa.select(Worker.id, Worker.name, Worker.id_masked, Membership.state)
        .join(Membership, Membership.worker_id == Worker.id)
        .where(Membership.union_id == union.id, Membership.state.in_(ACTIVATED))
        .order_by((Membership.state == "active").desc(), Worker.name)
        .limit(2000)
    )
    seen: dict[int, str] = {}
    for worker_id, name, masked, state in rows:
        seen.setdefault(
            worker_id, f"{name} · {masked}" + ("" if state == "active" else f" ({labels.state('membership', state)})")
        )
    return list(seen.items())


@bp.route("/wage-cases/new", methods=["GET", "POST"])
def new_wage_case():
    session = get_session()
    union = visible_or_404(get_or_404(Union, int_or_none(request.args.get("union_id")) or 0))
    permissions.require(permissions.can_manage_union(current_user, union))
    form = WageCaseForm()
    form.contractor_id.choices = contractor_choices(_l("Not known"))
    form.worker_ids.choices = _member_choices(union)
    if form.validate_on_submit():
        try:
            case = wage_case_service.open_wage_case(
                session,
                current_user,
                union,
                summary=form.summary.data,
                amount_claimed=form.amount_claimed.data,
                worker_ids=form.worker_ids.data or [],
                contractor_id=int_or_none(form.contractor_id.data),
                opened_on=form.opened_on.data,
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(_("The wage case is opened for %(union)s.", union=union.name))
            return redirect(url_for("cases.wage_case", case_id=case.id))
    return render_template("cases/wage_case_form.html", form=form, union=union)


def _visible_case(case_id: int) -> WageCase:
    """The wage case, if its union is in the user's scope (else 404: its existence is private)."""
    case = get_or_404(WageCase, case_id)
    visible_or_404(case.union)
    return case


@bp.get("/wage-cases/<int:case_id>")
def wage_case(case_id: int):
    case = _visible_case(case_id)
    can_manage = permissions.can_manage_union(current_user, case.union)
    return render_template(
        "cases/wage_case.html",
        case=case,
        can_manage=can_manage,
        events=lifecycle.allowed_events(case) if can_manage else [],
        history=state_history("wage_case", case.id),
    )


@bp.route("/wage-cases/<int:case_id>/events/<event>", methods=["GET", "POST"])
def wage_case_event(case_id: int, event: str):
    case = _visible_case(case_id)
    permissions.require(permissions.can_manage_union(current_user, case.union))
    if event not in WAGE_CASE.events():
        abort(404)
    form = ResolveForm() if event == "resolve" else EventForm()
    if event == "resolve" and request.method == "GET":
        form.amount_recovered.data = str(case.amount_claimed)
    return confirm_event(
        form,
        case,
        "wage_case",
        event,
        subject=case.summary,
        back=url_for("cases.wage_case", case_id=case.id),
        data=lambda: {"amount_recovered": form.amount_recovered.data} if event == "resolve" else {},
    )


# Service records ------------------------------------------------------------------------


@bp.get("/services")
def services():
    form = ServiceFilterForm(request.args)
    form.kind.choices = [("", _("All services"))] + [(k, str(v)) for k, v in labels.SERVICE_KINDS.items()]
    form.union_id.choices = _union_filter_choices(ServiceRecord)
    query = (
        sa.select(ServiceRecord)
        .join(Union, ServiceRecord.union_id == Union.id)
        .join(Worker, ServiceRecord.worker_id == Worker.id)
        .where(scopes.visible_unions(current_user))
        .options(so.contains_eager(ServiceRecord.union), so.contains_eager(ServiceRecord.worker))
        .order_by(ServiceRecord.served_on.desc(), ServiceRecord.id.desc())
    )
    if q := (form.q.data or "").strip():
        query = query.where(sa.or_(Worker.name.contains(q), ServiceRecord.note.contains(q)))
    if form.kind.data in labels.SERVICE_KINDS:
        query = query.where(ServiceRecord.kind == form.kind.data)
    if union_id := int_or_none(form.union_id.data):
        query = query.where(ServiceRecord.union_id == union_id)
    filtered = any(request.args.get(k) for k in ("q", "kind", "union_id"))
    return render_template("cases/services.html", form=form, page=paginate(query), filtered=filtered)


@bp.route("/services/new", methods=["GET", "POST"])
def new_service():
    session = get_session()
    worker = visible_or_404(get_or_404(Worker, int_or_none(request.args.get("worker_id")) or 0))
    unions = (
        session.scalars(
            sa.select(Union)
            .join(Membership, Membership.union_id == Union.id)
            .where(
                Membership.worker_id == worker.id,
                Membership.state.in_(ACTIVATED),
                scopes.manageable_unions(current_user),
            )
            .order_by((Membership.state == "active").desc(), Membership.joined_on.desc())
        )
        .unique()
        .all()
    )
    permissions.require(bool(unions))
    form = ServiceForm()
    form.union_id.choices = [(str(u.id), u.name) for u in unions]
    if form.validate_on_submit():
        union = session.get(Union, int(form.union_id.data))
        try:
            service_records.record_service(
                session,
                current_user,
                union,
                kind=form.kind.data,
                worker=worker,
                served_on=form.served_on.data,
                amount=form.amount.data,
                note=form.note.data,
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(
                _(
                    "%(service)s for %(name)s is recorded.",
                    service=labels.SERVICE_KINDS[form.kind.data],
                    name=worker.name,
                )
            )
            return redirect(url_for("workers.show", worker_id=worker.id))
    return render_template("cases/service_form.html", form=form, worker=worker)
