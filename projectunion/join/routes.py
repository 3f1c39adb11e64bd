"""The worker's side (no account): join form, receipt status, member card and its
verification; and the officer's side: join link, QR code, printable poster."""

from __future__ import annotations

import functools
import json

import sqlalchemy as sa
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from projectunion.db import get_session
from projectunion.exceptions import DomainError, NotFound, ValidationError
from projectunion.i18n import _, _l
from projectunion.join import bp
from projectunion.join.forms import ExpiryForm, JoinForm, PersonLookupForm, ReceiptForm
from projectunion.lifecycle.declarations import ACTIVATED, ENROLLMENT_OPEN
from projectunion.lifecycle.membership import rejection_reason
from projectunion.lifecycle.union import default_successor
from projectunion.models import Membership, Union
from projectunion.ratelimit import limiter
from projectunion.services import join
from projectunion.services.jurisdictions import DIVISIONS_FILE

STATE_LABELS = {
    "pending": _l("Received, waiting for the union's approval"),
    "active": _l("Approved: you are a member"),
    "rejected": _l("Not approved"),
    "ended": _l("Membership ended"),
    "transferred": _l("Membership moved to another union"),
    "handed_on": _l("Handed on to another union"),
}


@functools.cache
def common_trades() -> tuple[str, ...]:
    return tuple(json.loads(DIVISIONS_FILE.read_text(encoding="utf-8")).get("trades", ()))


@bp.context_processor
def _helpers():
    return {"state_labels": STATE_LABELS}


MISMATCH_LABELS = {
    "name": _l("The name typed differs from the name on record: check the ID card."),
    "phone": _l("The phone typed differs from the one on record; approving replaces it."),
    "resubmitted": _l("This ID number was submitted again with other details: check the ID card."),
}


@bp.app_template_global()
def typed_application(membership: Membership) -> join.Typed:
    """For the officer's queue: what the applicant typed, and what does not match the record."""
    return join.as_typed(membership)


@bp.app_context_processor
def _mismatch_labels():
    return {"mismatch_labels": MISMATCH_LABELS}


@bp.errorhandler(join.JoinLinkInvalid)
def _link_invalid(exc: join.JoinLinkInvalid):
    return render_template("join/invalid.html", message=str(exc.message)), exc.status


@bp.errorhandler(429)
def _too_many(exc):
    return render_template("join/too_many.html"), 429


def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def _status_limit() -> str:
    return current_app.config["JOIN_STATUS_RATE_LIMIT"]


# --- the worker's side ------------------------------------------------------------


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"])
def apply(token: str):
    session = get_session()
    union = join.union_for_token(session, token)
    form = JoinForm()
    site_crews = join.site_crews(session, union)
    form.crew_id.choices = [SelectChoice(0, _("Not in the list / not sure"))] + [
        SelectChoice(crew.id, f"{contractor.name} · {crew.name}") for crew, contractor in site_crews
    ]
    if form.validate_on_submit():
        try:
            submitted = join.submit_application(
                session,
                union,
                name=form.name.data,
                id_number=form.id_number.data,
                phone=form.phone.data,
                trade=form.trade.data,
                crew_id=form.crew_id.data or None,
                consent=form.consent.data,
            )
        except ValidationError as exc:
            for name, message in exc.fields.items():
                field = getattr(form, name, None)
                if field is None:
                    form.form_errors.append(str(message))
                else:
                    field.errors = [str(message)]
        except DomainError as exc:
            form.form_errors.append(str(exc.message))
        else:
            return redirect(url_for(".status", code=submitted.membership.receipt_code, received=1))
    return render_template(
        "join/form.html",
        union=union,
        form=form,
        token=token,
        has_crews=bool(site_crews),
        trades=common_trades(),
        receipt_form=ReceiptForm(formdata=None),
        person_form=PersonLookupForm(formdata=None, prefix="lookup"),
    )


@bp.route("/status", methods=["GET", "POST"])
@limiter.limit(_status_limit)
def status():
    """A worker comes back to see where the application stands: by the receipt code, or by the
    ID number with the phone given (sent by POST). Either unknown gets one and the same answer."""
    form = ReceiptForm(request.args)
    person_form = PersonLookupForm(formdata=request.form if request.method == "POST" else None, prefix="lookup")
    membership = None
    lookup = None
    if request.method == "POST":
        if person_form.validate():
            lookup = functools.partial(
                join.application_by_person, get_session(), person_form.id_number.data, person_form.phone.data
            )
        else:
            return redirect(url_for(".status"))
    elif form.code.data:
        lookup = functools.partial(join.application_by_receipt, get_session(), form.code.data)
    if lookup is not None:
        try:
            membership = lookup()
        except NotFound as exc:
            message = str(exc.message)
            blank = PersonLookupForm(formdata=None, prefix="lookup")  # what was typed is not echoed back
            return render_template(
                "join/status.html", form=form, person_form=blank, membership=None, not_found=message
            ), 404
    outcome = _outcome(get_session(), membership) if membership else {}
    carded = outcome.get("continued") if membership and membership.state == "handed_on" else membership
    return render_template(
        "join/status.html",
        form=form,
        person_form=person_form,
        membership=membership,
        received=request.args.get("received") == "1",
        card_token=join.card_token(carded) if carded is not None and carded.state in ACTIVATED else None,
        number=join.member_number(membership) if membership else None,
        **outcome,
    )


def _outcome(session, membership: Membership) -> dict:
    """What became of the application: the membership that continues it (handed on or transferred), the
    reason it was rejected, and where to apply when its union takes no members any more."""
    continued = None
    if membership.state in ("handed_on", "transferred"):
        link = Membership.application_id if membership.state == "handed_on" else Membership.transferred_from_id
        continued = session.scalars(sa.select(Membership).where(link == membership.id).order_by(Membership.id)).first()
    apply_to = None
    if membership.state == "rejected" and membership.union.state not in ENROLLMENT_OPEN:
        union = membership.union
        apply_to = union.successor if union.successor is not None and union.successor.state in ENROLLMENT_OPEN else None
        apply_to = apply_to or default_successor(session, union)
    return {
        "continued": continued,
        "reason": rejection_reason(session, membership) if membership.state == "rejected" else None,
        "apply_to": apply_to,
        "union_open": membership.union.state in ENROLLMENT_OPEN,
    }


@bp.get("/card/<token>")
def card(token: str):
    session = get_session()
    try:
        info = join.verify_card(session, token)
    except NotFound as exc:
        return render_template("join/verify.html", info=None, message=str(exc.message)), 404
    verify_url = url_for(".verify", token=token, _external=True)
    return render_template("join/card.html", info=info, qr=join.qr_svg(verify_url), verify_url=verify_url)


@bp.get("/verify/<token>")
def verify(token: str):
    """What a card's QR code shows, live: name, masked ID number and the membership's standing."""
    try:
        info = join.verify_card(get_session(), token)
    except NotFound as exc:
        return render_template("join/verify.html", info=None, message=str(exc.message)), 404
    response = Response(render_template("join/verify.html", info=info))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the officer's side -----------------------------------------------------------


def _managed(union_id: int) -> tuple[Union, str]:
    """The union and its join link, for those who manage it (the service checks)."""
    union = get_session().get(Union, union_id)
    if union is None:
        raise NotFound()
    return union, url_for(".apply", token=join.join_token_for(current_user, union), _external=True)


@bp.get("/members/<int:membership_id>/card")
@login_required
def member_card(membership_id: int):
    session = get_session()
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound()
    return redirect(url_for(".card", token=join.card_for_officer(session, current_user, membership)))


@bp.get("/unions/<int:union_id>")
@login_required
def manage(union_id: int):
    union, url = _managed(union_id)
    return render_template(
        "join/manage.html",
        union=union,
        url=url,
        qr=join.qr_svg(url),
        usable=join.join_link_usable(union),
        expiry_form=ExpiryForm(expires_on=union.join_token_expires_on),
    )


@bp.post("/unions/<int:union_id>/rotate")
@login_required
def rotate(union_id: int):
    union, _url = _managed(union_id)
    join.rotate_join_link(get_session(), current_user, union)
    flash(_("A new join link was made. QR codes printed before no longer work: print the new poster."), "success")
    return redirect(url_for(".manage", union_id=union.id))


@bp.post("/unions/<int:union_id>/expiry")
@login_required
def expiry(union_id: int):
    union, _url = _managed(union_id)
    form = ExpiryForm()
    if form.validate_on_submit():
        try:
            join.set_join_link_expiry(get_session(), current_user, union, form.expires_on.data)
        except DomainError as exc:
            for message in list(getattr(exc, "fields", {}).values()) or [exc.message]:
                flash(str(message), "error")
        else:
            flash(_("Expiry date saved."), "success")
    else:
        flash(_("Enter a date like 2024-03-01."), "error")
    return redirect(url_for(".manage", union_id=union.id))


@bp.get("/unions/<int:union_id>/poster")
@login_required
def poster(union_id: int):
    union, url = _managed(union_id)
    return render_template(
        "join/poster.html",
        union=union,
        url=url,
        qr=join.qr_svg(url),
        lang="en" if str(get_locale()) == "en" else "zh-CN",
    )


@bp.get("/unions/<int:union_id>/qr.<any(svg, png):kind>")
@login_required
def qr(union_id: int, kind: str):
    union, url = _managed(union_id)
    if kind == "svg":
        return Response(join.qr_svg(url), mimetype="image/svg+xml")
    return Response(
        join.qr_png(url, scale=16),
        mimetype="image/png",
        headers={"Content-Disposition": f'inline; filename="join-{union.id}.png"'},
    )
