from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from projectunion import permissions, scopes, searches
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import Anonymised, DomainError
from projectunion.i18n import _
from projectunion.models import Membership, Worker
from projectunion.realname import age_on
from projectunion.services import retention
from projectunion.services import workers as worker_service
from projectunion.unions.queries import worker_search
from projectunion.web import apply_errors, describe, flash_done, get_or_404, paginate, visible_or_404
from projectunion.workers import bp, queries
from projectunion.workers.forms import ContactForm, RevealForm


@bp.route("/", methods=["GET", "POST"])
def index():
    """The workers in scope; the search is POSTed and the address carries only its key."""
    session = get_session()
    if request.method == "POST":
        return searches.posted("workers.index")
    q, moved = searches.term("workers.index")
    if moved is not None:
        return moved
    query = sa.select(Worker).where(scopes.visible_workers(current_user, Worker.id)).order_by(Worker.id.desc())
    if (condition := worker_search(q)) is not None:
        query = query.where(condition)
    page = paginate(query)
    current = {
        m.worker_id: m
        for m in session.scalars(
            sa.select(Membership)
            .where(Membership.worker_id.in_([w.id for w in page.items]), Membership.state == "active")
            .options(so.selectinload(Membership.union))
        )
    }
    company = permissions.worker_view_confined_to(current_user)
    contacts = (
        queries.crew_contacts(session, [w.id for w in page.items], company)
        if company is not None
        else {w.id: (w.phone, w.trade) for w in page.items}
    )
    return render_template("workers/index.html", page=page, q=q, current=current, contacts=contacts)


def _page(worker: Worker, revealed: str | None = None, reveal_form: RevealForm | None = None):
    """The worker's page as the user may see it: a contractor, its own crews' records only."""
    session = get_session()
    anonymised = retention.is_anonymised(worker)
    may_reveal = permissions.can_reveal_id(current_user, worker, session) and not anonymised
    company = permissions.worker_view_confined_to(current_user)
    history = queries.memberships(session, worker)
    crews = queries.crews(session, worker)
    phone, trade = worker.phone, worker.trade
    if company is not None:
        history = [(m, next_) for m, next_ in history if m.contractor_id == company]
        crews = [c for c in crews if c.crew.contractor_id == company]
        phone, trade = queries.crew_contacts(session, [worker.id], company).get(worker.id, (None, None))
    return render_template(
        "workers/show.html",
        worker=worker,
        age=age_on(worker.birth_date, today()),
        birth_date=worker.birth_date if may_reveal else None,
        origin=queries.origin(worker, county=may_reveal),
        history=history,
        crews=crews,
        wage_cases=queries.wage_cases(session, worker) if company is None else [],
        services=queries.services(session, worker) if company is None else [],
        confined=company is not None,
        phone=phone,
        trade=trade,
        can_reveal=may_reveal,
        can_edit=permissions.can_edit_workers(current_user, worker, session),
        revealed=revealed,
        reveal_form=reveal_form or RevealForm(),
        anonymised=anonymised,
        anonymised_on=retention.anonymised_on(session, worker) if anonymised else None,
    )


@bp.get("/<int:worker_id>")
def show(worker_id: int):
    return _page(visible_or_404(get_or_404(Worker, worker_id)))


@bp.post("/<int:worker_id>/reveal")
def reveal(worker_id: int):
    worker = visible_or_404(get_or_404(Worker, worker_id))
    permissions.require(permissions.can_reveal_id(current_user, worker, get_session()))
    form = RevealForm()
    if not form.validate_on_submit():
        return _page(worker, reveal_form=form), 400
    try:
        number = worker_service.reveal_id_number(get_session(), current_user, worker, reason=form.reason.data or "")
    except Anonymised as exc:
        flash(describe(exc), "error")
        return _page(worker), exc.status
    flash_done(_("The full ID number is shown below once. This was recorded in the audit log."))
    response = make_response(_page(worker, revealed=number))
    response.headers["Cache-Control"] = "no-store"  # the number must not stay in any cache
    return response


@bp.route("/<int:worker_id>/contact", methods=["GET", "POST"])
def contact(worker_id: int):
    worker = visible_or_404(get_or_404(Worker, worker_id))
    permissions.require(permissions.can_edit_workers(current_user, worker, get_session()))
    form = ContactForm(obj=worker)
    if form.validate_on_submit():
        try:
            worker_service.update_contact(
                get_session(), current_user, worker, phone=form.phone.data, trade=form.trade.data
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(_("The contact details of %(name)s are saved.", name=worker.name))
            return redirect(url_for("workers.show", worker_id=worker.id))
    return render_template("workers/contact.html", worker=worker, form=form)
