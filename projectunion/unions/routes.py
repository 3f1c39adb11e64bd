from __future__ import annotations

import json

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from projectunion import diagrams, labels, lifecycle, permissions, scopes, searches
from projectunion.db import get_session
from projectunion.exceptions import AlreadyMember, DomainError
from projectunion.forms import EventForm, jurisdiction_choices, open_union_choices, place_choices
from projectunion.i18n import _, _l, ngettext
from projectunion.lifecycle import membership as membership_lifecycle
from projectunion.lifecycle import union as union_lifecycle
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN, UNION
from projectunion.models import Jurisdiction, Membership, Union
from projectunion.services import jurisdictions, memberships, unions
from projectunion.unions import bp, queries
from projectunion.unions.forms import (
    ChairForm,
    DecideForm,
    EndForm,
    EnrollForm,
    FoundForm,
    RejectForm,
    StandingUnionForm,
    TransferForm,
    UnionFilterForm,
)
from projectunion.web import (
    apply_errors,
    confirm_event,
    describe,
    flash_done,
    get_or_404,
    paginate,
    refuse,
    state_history,
    visible_or_404,
)


def _trades() -> list[str]:
    return json.loads(jurisdictions.DIVISIONS_FILE.read_text(encoding="utf-8")).get("trades", [])


def _managed_union(union_id: int) -> Union:
    union = visible_or_404(get_or_404(Union, union_id))
    permissions.require(permissions.can_manage_union(current_user, union))
    return union


def _managed_membership(membership_id: int) -> Membership:
    membership = get_or_404(Membership, membership_id)
    _managed_union(membership.union_id)
    return membership


# The list -------------------------------------------------------------------


@bp.get("/unions")
def index():
    session = get_session()
    form = UnionFilterForm(request.args)
    form.kind.choices = [("", _("All kinds"))] + [(k, str(v)) for k, v in labels.UNION_KINDS.items()]
    form.state.choices = [("", _("All states"))] + [(k, str(v)) for k, v in labels.STATES["union"].items()]
    form.place.choices = place_choices(_l("Everywhere"))
    query = (
        sa.select(Union)
        .where(scopes.visible_unions(current_user))
        .options(so.selectinload(Union.jurisdiction), so.selectinload(Union.project))
        .order_by((Union.state == "dissolved").asc(), Union.created_at.desc(), Union.id.desc())
    )
    if q := (form.q.data or "").strip():
        query = query.where(Union.name.contains(q))
    if form.kind.data in labels.UNION_KINDS:
        query = query.where(Union.kind == form.kind.data)
    if form.state.data in UNION.states:
        query = query.where(Union.state == form.state.data)
    if place := jurisdictions.by_code(session, form.place.data):
        query = query.where(
            Union.jurisdiction_id.in_(sa.select(Jurisdiction.id).where(Jurisdiction.path.startswith(place.path)))
        )
    page = paginate(query)
    counts = queries.counts_for(session, [u.id for u in page.items])
    filtered = any(request.args.get(k) for k in ("q", "kind", "state", "place"))
    can_create = permissions.can_create_standing_union(current_user)
    return render_template(
        "unions/index.html", form=form, page=page, counts=counts, filtered=filtered, can_create=can_create
    )


@bp.route("/unions/new", methods=["GET", "POST"])
def new():
    permissions.require(permissions.can_create_standing_union(current_user))
    form = StandingUnionForm()
    form.jurisdiction_code.choices = jurisdiction_choices(
        _l("Choose…"), within=None if permissions.can_act_everywhere(current_user) else current_user.jurisdiction
    )
    if form.validate_on_submit():
        session = get_session()
        try:
            union = unions.create_standing_union(
                session,
                current_user,
                kind=form.kind.data,
                name=form.name.data,
                jurisdiction=jurisdictions.by_code(session, form.jurisdiction_code.data),
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(
                _("%(union)s is created. It can now receive members of dissolved project unions.", union=union.name)
            )
            return redirect(url_for("unions.show", union_id=union.id))
    return render_template("unions/new.html", form=form)


# The union page ---------------------------------------------------------------


@bp.route("/unions/<int:union_id>", methods=["GET", "POST"])
def show(union_id: int):
    """The union and its roster; the roster search is POSTed and the address carries only its key."""
    session = get_session()
    union = visible_or_404(get_or_404(Union, union_id))
    counts = queries.counts(session, union)
    default_tab = "ended" if union.state == "dissolved" and not counts["active"] else "active"
    tab = (request.form if request.method == "POST" else request.args).get("tab", default_tab)
    if tab not in queries.TABS:
        tab = default_tab
    here = {"union_id": union.id, "tab": tab, "_anchor": "roster"}
    if request.method == "POST":
        return searches.posted("unions.show", **here)
    q, moved = searches.term("unions.show", **here)
    if moved is not None:
        return moved
    page = paginate(queries.roster(union, tab, q))
    can_manage = permissions.can_manage_union(current_user, union) and union.state != "dissolved"
    # Only what the machine would accept from this user now: a refused button is never shown;
    # where one waits for something first, the page says what, with the way to do it.
    allowed = union_lifecycle.offered_events(session, current_user, union) if can_manage else []
    withheld = union_lifecycle.withheld_events(session, current_user, union) if can_manage else {}
    offers = (
        {m.id: membership_lifecycle.offered_events(session, current_user, m) for m in page.items}
        if can_manage and tab == "pending"
        else {}
    )
    return render_template(
        "unions/show.html",
        union=union,
        counts=counts,
        tab=tab,
        q=q,
        search_key=request.args.get(searches.PARAM) if q else None,
        page=page,
        can_manage=can_manage,
        enrollment_open=union.state in ENROLLMENT_OPEN,
        events=[e for e in allowed if e not in ("dissolve", "abandon")],
        withheld=[_what_is_needed(union, event, *refused) for event, refused in withheld.items()],
        can_dissolve=any(e in allowed for e in ("dissolve", "abandon")),
        diagram=diagrams.figure("union", union.state),
        history=state_history("union", union.id),
        successors=queries.successors_of(session, page.items) if tab == "ended" else {},
        elsewhere=queries.active_elsewhere(session, page.items) if tab == "pending" else {},
        offers=offers,
        can_approve=any("approve" in o for o in offers.values()),
        decide_form=DecideForm(),
        chair_form=ChairForm(),
        predecessors=session.scalar(
            sa.select(sa.func.count(Membership.id)).where(
                Membership.union_id == union.id, Membership.source == "dissolution"
            )
        ),
        survey=_survey(session, union),
    )


#: Where a page sends the user to settle what a withheld event waits for (by the guard that withholds it).
REMEDIES = {"has_active_member": ("unions.enroll", _l("Enroll a member"))}


def _what_is_needed(union: Union, event: str, guard: str, refusal: DomainError) -> dict:
    """A withheld event as the page shows it: the refusal's sentence and, if there is one, the way on."""
    remedy = None
    if guard in REMEDIES:
        endpoint, label = REMEDIES[guard]
        remedy = {"url": url_for(endpoint, union_id=union.id), "label": label}
    return {"event": event, "message": refusal.message, "remedy": remedy}


def _survey(session, union: Union) -> list[dict] | None:
    """The site's workers not yet members today (the survey), where the user may see them."""
    from projectunion.services import survey

    project = union.project
    if project is None or union.state == "dissolved" or not permissions.can_view_site_survey(current_user, project):
        return None
    return survey.not_enrolled(session, current_user, project)


# Enrollment -----------------------------------------------------------------------


@bp.route("/unions/<int:union_id>/enroll", methods=["GET", "POST"])
def enroll(union_id: int):
    session = get_session()
    union = _managed_union(union_id)
    form = EnrollForm()
    elsewhere: AlreadyMember | None = None
    if form.validate_on_submit():
        try:
            membership = memberships.enroll(
                session,
                current_user,
                union,
                id_number=form.id_number.data,
                name=form.name.data,
                phone=form.phone.data,
                trade=form.trade.data,
                joined_on=form.joined_on.data,
                transfer=form.transfer.data,
            )
        except AlreadyMember as exc:
            if exc.union_id == union.id:
                apply_errors(form, exc)
            else:
                elsewhere = exc
        except DomainError as exc:
            apply_errors(form, exc, {"on": "joined_on"})
        else:
            if membership.transferred_from is not None:
                flash_done(
                    _(
                        "%(name)s is now a member of %(union)s, transferred from %(previous)s.",
                        name=membership.worker.name,
                        union=union.name,
                        previous=membership.transferred_from.union.name,
                    )
                )
            else:
                flash_done(_("%(name)s is now a member of %(union)s.", name=membership.worker.name, union=union.name))
            return redirect(url_for("unions.enroll", union_id=union.id))
    current = session.get(Union, elsewhere.union_id) if elsewhere else None
    return render_template(
        "unions/enroll.html",
        union=union,
        form=form,
        elsewhere=elsewhere,
        current_union=current,
        elsewhere_message=describe(elsewhere) if elsewhere else None,
        trades=_trades(),
        enrollment_open=union.state in ENROLLMENT_OPEN,
    )


@bp.post("/unions/<int:union_id>/applications")
def decide(union_id: int):
    """Approve or reject pending applications: one (its own button) or those ticked."""
    session = get_session()
    union = _managed_union(union_id)
    form = DecideForm()
    back = redirect(url_for("unions.show", union_id=union.id, tab="pending"))
    if not form.validate_on_submit():
        for message in (*form.on.errors, *form.reason.errors):
            flash(message, "error")
        return back
    single = request.form.get("single", "")
    if ":" in single:
        decision, _sep, raw_id = single.partition(":")
        ids = [raw_id]
    else:
        decision = request.form.get("decision", "")
        ids = request.form.getlist("ids")
    if decision not in ("approve", "reject"):
        abort(400)
    if not ids:
        flash(_("Tick the applications to decide first."), "warning")
        return back
    if decision == "reject" and not (form.reason.data or "").strip():
        flash(_("Give the reason for rejecting: the worker will read it."), "error")
        return back
    done: list[str] = []
    failed: list[str] = []
    for raw in ids:
        membership = session.get(Membership, int(raw)) if raw.isdigit() else None
        if membership is None or membership.union_id != union.id or membership.state != "pending":
            continue
        name = membership.worker.name
        try:
            memberships.decide(
                session, current_user, membership, decision == "approve", on=form.on.data, reason=form.reason.data
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            failed.append(_("%(name)s: %(reason)s", name=name, reason=describe(exc)))
        else:
            done.append(name)
    if done:
        if decision == "approve":
            flash_done(
                ngettext(
                    "%(num)d application approved: %(names)s.",
                    "%(num)d applications approved: %(names)s.",
                    len(done),
                    names="、".join(done),
                )
            )
        else:
            flash_done(
                ngettext(
                    "%(num)d application rejected: %(names)s.",
                    "%(num)d applications rejected: %(names)s.",
                    len(done),
                    names="、".join(done),
                )
            )
    for message in failed:
        flash(message, "error")
    return back


# One membership ------------------------------------------------------------------


@bp.route("/memberships/<int:membership_id>/end", methods=["GET", "POST"])
def end(membership_id: int):
    session = get_session()
    membership = _managed_membership(membership_id)
    form = EndForm()
    if form.validate_on_submit():
        try:
            memberships.end_membership(session, current_user, membership, form.reason.data, on=form.on.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(
                _(
                    "The membership of %(name)s in %(union)s ended (%(reason)s).",
                    name=membership.worker.name,
                    union=membership.union.name,
                    reason=labels.END_REASONS[form.reason.data],
                )
            )
            return redirect(url_for("unions.show", union_id=membership.union_id))
    return render_template(
        "unions/membership_form.html",
        form=form,
        membership=membership,
        title=labels.event("membership", "end"),
        allowed="end" in lifecycle.allowed_events(membership),
    )


@bp.route("/memberships/<int:membership_id>/reject", methods=["GET", "POST"])
def reject(membership_id: int):
    """Reject one application, saying why (the worker reads it on the status page)."""
    session = get_session()
    membership = _managed_membership(membership_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            memberships.decide(session, current_user, membership, False, on=form.on.data, reason=form.reason.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(
                _(
                    "The application of %(name)s to %(union)s is rejected.",
                    name=membership.worker.name,
                    union=membership.union.name,
                )
            )
            return redirect(url_for("unions.show", union_id=membership.union_id, tab="pending"))
    return render_template(
        "unions/membership_form.html",
        form=form,
        membership=membership,
        title=_("Reject the application"),
        allowed="reject" in membership_lifecycle.offered_events(session, current_user, membership),
    )


@bp.route("/memberships/<int:membership_id>/transfer", methods=["GET", "POST"])
def transfer(membership_id: int):
    session = get_session()
    membership = _managed_membership(membership_id)
    form = TransferForm()
    form.to_union_id.choices = open_union_choices(current_user, exclude=membership.union, empty_label=_l("Choose…"))
    if form.validate_on_submit():
        destination = get_or_404(Union, int(form.to_union_id.data))
        try:
            new = memberships.transfer_membership(session, current_user, membership, destination, on=form.on.data)
        except DomainError as exc:
            apply_errors(form, exc, {"to_union_id": "to_union_id"})
        else:
            flash_done(
                _(
                    "%(name)s is transferred from %(old)s to %(new)s.",
                    name=membership.worker.name,
                    old=membership.union.name,
                    new=new.union.name,
                )
            )
            return redirect(url_for("unions.show", union_id=membership.union_id))
    return render_template(
        "unions/membership_form.html",
        form=form,
        membership=membership,
        title=labels.event("membership", "transfer"),
        allowed="transfer" in lifecycle.allowed_events(membership),
    )


@bp.post("/unions/<int:union_id>/chair")
def set_chair(union_id: int):
    session = get_session()
    union = _managed_union(union_id)
    form = ChairForm()
    if form.validate_on_submit():
        membership = session.get(Membership, int(form.membership_id.data or 0))
        if membership is None:
            abort(404)
        try:
            unions.set_chair(session, current_user, union, membership)
        except DomainError as exc:
            refuse(exc)
        else:
            flash_done(_("%(name)s is now the chair of %(union)s.", name=membership.worker.name, union=union.name))
    return redirect(url_for("unions.show", union_id=union.id))


# The union's own lifecycle ----------------------------------------------------------


@bp.route("/unions/<int:union_id>/events/<event>", methods=["GET", "POST"])
def fire(union_id: int, event: str):
    session = get_session()
    union = _managed_union(union_id)
    if event not in UNION.events():
        abort(404)
    if event in ("dissolve", "abandon"):
        return redirect(url_for("unions.dissolve", union_id=union.id))
    refused = union_lifecycle.refusal(session, current_user, union, event)
    if refused is not None and event in lifecycle.allowed_events(union):
        refuse(refused)
        return redirect(url_for("unions.show", union_id=union.id))
    form = FoundForm() if event == "found" else EventForm()
    if event == "found":
        members = queries.active_members(session, union)
        form.chair_membership_id.choices = [("", _("Choose…"))] + [
            (str(m.id), f"{m.worker.name} · {m.worker.id_masked}") for m in members
        ]
        if request.method == "GET" and union.chair_membership_id:
            form.chair_membership_id.data = str(union.chair_membership_id)
    return confirm_event(
        form,
        union,
        "union",
        event,
        subject=union.name,
        back=url_for("unions.show", union_id=union.id),
        data=lambda: {"chair_membership_id": int(form.chair_membership_id.data)} if event == "found" else {},
    )
