"""The dissolution wizard: blockers, the successor, per-member exceptions, a summary, one step.

Everything the wizard collects travels in the one form (hidden fields), so the
page can be re-drawn after each search or change and nothing is saved until
the union is dissolved, in one transaction, by the union machine.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from projectunion import labels, lifecycle
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.forms import int_or_none, open_union_choices
from projectunion.i18n import _, _l, ngettext
from projectunion.lifecycle import union as union_lifecycle
from projectunion.lifecycle.declarations import END_REASONS
from projectunion.models import Membership, Union, Worker
from projectunion.services import events, unions
from projectunion.unions import bp, queries
from projectunion.unions.forms import DissolveForm
from projectunion.unions.routes import _managed_union
from projectunion.web import anchored, apply_errors, flash_done

ACTIONS = ("end", "transfer")
APPLICATION_ACTIONS = ("hand_on", "reject")
SHOWN = 20
APPLICATIONS_SHOWN = 100
DEFAULT_REASON = "left_site"


@dataclass
class MemberChoice:
    """A member who does not simply follow the union to its successor."""

    membership: Membership
    action: str = "end"
    reason: str = DEFAULT_REASON
    to_union_id: int | None = None

    def as_decision(self) -> dict:
        if self.action == "transfer":
            return {"action": "transfer", "to_union_id": self.to_union_id}
        return {"action": "end", "reason": self.reason}


def _load(session: so.Session, union: Union, ids: list[int]) -> dict[int, Membership]:
    if not ids:
        return {}
    rows = session.scalars(
        sa.select(Membership)
        .join(Worker, Membership.worker_id == Worker.id)
        .where(Membership.id.in_(ids), Membership.union_id == union.id, Membership.state == "active")
        .options(so.contains_eager(Membership.worker))
    )
    return {m.id: m for m in rows}


def _read_exceptions(session: so.Session, union: Union) -> list[MemberChoice]:
    """The exceptions carried by the form, with the one added or removed by the button pressed."""
    ids = [i for i in map(int_or_none, request.form.getlist("decided")) if i]
    added = int_or_none(request.form.get("add"))
    removed = int_or_none(request.form.get("remove"))
    if added and added not in ids:
        ids.append(added)
    ids = [i for i in ids if i != removed]
    found = _load(session, union, ids)
    out = []
    for mid in ids:
        if mid not in found:
            continue
        action = request.form.get(f"action-{mid}", "end")
        reason = request.form.get(f"reason-{mid}", DEFAULT_REASON)
        out.append(
            MemberChoice(
                membership=found[mid],
                action=action if action in ACTIONS else "end",
                reason=reason if reason in END_REASONS else DEFAULT_REASON,
                to_union_id=int_or_none(request.form.get(f"to-{mid}")),
            )
        )
    return out


@dataclass
class ApplicationChoice:
    """A pending application and how the wizard answers it (None: not decided yet)."""

    membership: Membership
    action: str | None = None
    reason: str = ""
    error: str | None = None
    #: the id of the input that settles the error
    anchor: str | None = None

    def as_decision(self) -> dict:
        if self.action == "hand_on":
            return {"action": "hand_on"}
        return {"action": "reject", "reason": self.reason}


def _read_applications(
    session: so.Session, union: Union, successor: Union | None
) -> tuple[list[ApplicationChoice], ApplicationChoice]:
    """Every pending application with the decision the form carries for it; a row without its own
    decision takes the one chosen for all. Returns the rows and the choice for all."""
    offered = APPLICATION_ACTIONS if successor is not None else ("reject",)
    form = request.form

    def action(raw: str | None) -> str | None:
        return raw if raw in offered else None

    every = ApplicationChoice(
        membership=None, action=action(form.get("apps-all")), reason=(form.get("apps-all-reason") or "").strip()
    )
    rows = session.scalars(
        sa.select(Membership)
        .join(Worker, Membership.worker_id == Worker.id)
        .where(Membership.union_id == union.id, Membership.state == "pending")
        .options(so.contains_eager(Membership.worker))
        .order_by(Membership.applied_on, Membership.id)
    )
    out = []
    for m in rows:
        own = action(form.get(f"app-{m.id}"))
        reason = (form.get(f"app-reason-{m.id}") or "").strip()
        if own is None:
            own, reason = every.action, reason or every.reason
        out.append(ApplicationChoice(membership=m, action=own, reason=reason))
    return out, every


def _check_applications(applications: list[ApplicationChoice]) -> bool:
    """Mark each application the officer has not fully decided; True when every one is."""
    for a in applications:
        a.anchor = f"app-{a.membership.id}" if a.action is None else f"app-reason-{a.membership.id}"
        if a.action is None:
            a.error = _("Hand the applicant on or reject the application.")
        elif a.action == "reject" and not a.reason:
            a.error = _("Give the reason for rejecting: the worker will read it.")
        else:
            a.error = None
    return not any(a.error for a in applications)


def _ready_to_dissolve(form: DissolveForm, exceptions: list[MemberChoice], applications: list[ApplicationChoice]):
    """Every mistake at once, each linked from the error summary to the place it is put right;
    True when there is none."""
    if not form.confirm.data:
        form.confirm.errors = [_("Tick the box to confirm that you have read the summary.")]
    if unplaced := [e for e in exceptions if e.action == "transfer" and not e.to_union_id]:
        form.form_errors.append(
            anchored(_("Choose where each member you transfer moves to."), f"to-{unplaced[0].membership.id}")
        )
    if not _check_applications(applications):
        undecided = [a for a in applications if a.error]
        first = undecided[0]
        shown = applications.index(first) < APPLICATIONS_SHOWN
        form.form_errors.append(
            anchored(
                ngettext(
                    "%(num)d pending application is not decided yet: hand the applicant on or reject it with a reason.",
                    "%(num)d pending applications are not decided yet: hand each applicant on or reject it"
                    " with a reason.",
                    len(undecided),
                ),
                first.anchor if shown else "apps-all",
            )
        )
    return not form.confirm.errors and not form.form_errors


@dataclass
class Summary:
    successor: Union | None
    handed_on: int
    ended: int
    moved: list[tuple[Union, int]]
    applicants_handed_on: int = 0
    applications_rejected: int = 0


def _summary(session: so.Session, active: int, successor: Union | None, exceptions: list[MemberChoice]) -> Summary:
    ended = sum(1 for e in exceptions if e.action == "end")
    moving = Counter(e.to_union_id for e in exceptions if e.action == "transfer" and e.to_union_id)
    moved = [(session.get(Union, uid), n) for uid, n in moving.items()]
    rest = max(0, active - ended - sum(moving.values()))
    if successor is None:
        return Summary(None, 0, ended + rest, [(u, n) for u, n in moved if u is not None])
    return Summary(successor, rest, ended, [(u, n) for u, n in moved if u is not None])


@bp.route("/unions/<int:union_id>/dissolve", methods=["GET", "POST"])
def dissolve(union_id: int):
    session = get_session()
    union = _managed_union(union_id)
    if union.state == "dissolved":
        return redirect(url_for("unions.show", union_id=union.id))
    allowed = lifecycle.allowed_events(union)
    event = next((e for e in ("dissolve", "abandon") if e in allowed), None)
    default = unions.preview_dissolution(session, current_user, union).successor
    form = DissolveForm()
    choices = open_union_choices(current_user, exclude=union)
    if default is not None and str(default.id) not in {c[0] for c in choices}:
        choices.insert(0, (str(default.id), default.name))
    if default is None:
        choices.insert(0, ("", str(_l("No successor: every membership ends"))))
    form.successor_union_id.choices = choices
    if request.method == "GET":
        form.successor_union_id.data = str(default.id) if default else ""
    successor = (
        session.get(Union, int_or_none(form.successor_union_id.data) or 0) if form.successor_union_id.data else None
    )
    exceptions = _read_exceptions(session, union) if request.method == "POST" else []
    applications, every = _read_applications(session, union, successor)
    preview = unions.preview_dissolution(session, current_user, union, successor=successor)
    summary = _summary(session, preview.active_members, successor, exceptions)
    summary.applicants_handed_on = sum(1 for a in applications if a.action == "hand_on")
    summary.applications_rejected = sum(1 for a in applications if a.action == "reject")
    decided = {e.membership.id for e in exceptions}
    if request.form.get("add") or request.form.get("remove"):
        form.q.data = ""  # the member was found: start the next search afresh
    # A small union lists its members straight away; a large one after a search.
    results = []
    if form.q.data or preview.active_members <= SHOWN:
        results = [
            m
            for m in queries.active_members(session, union, form.q.data, limit=SHOWN + len(decided))
            if m.id not in decided
        ][:SHOWN]

    sent = request.method == "POST" and request.form.get("action") == "dissolve" and event
    valid = sent and form.validate_on_submit()  # first: validating resets the errors the wizard adds
    if sent and _ready_to_dissolve(form, exceptions, applications) and valid:
        try:
            events.fire_checked_and_commit(
                session,
                current_user,
                union,
                event,
                on=form.on.data,
                successor_union_id=successor.id if successor else None,
                decisions={e.membership.id: e.as_decision() for e in exceptions},
                applications={a.membership.id: a.as_decision() for a in applications},
            )
        except DomainError as exc:
            apply_errors(
                form,
                exc,
                {"successor_union_id": "successor_union_id", "decisions": "_none", "applications": "_none"},
            )
        else:
            if summary.successor is not None:
                flash_done(
                    ngettext(
                        "%(union)s is dissolved. %(num)d member was handed on to %(successor)s.",
                        "%(union)s is dissolved. %(num)d members were handed on to %(successor)s.",
                        summary.handed_on,
                        union=union.name,
                        successor=summary.successor.name,
                    )
                )
            else:
                flash_done(_("%(union)s is dissolved. Its memberships have ended.", union=union.name))
            return redirect(url_for("unions.show", union_id=union.id, tab="ended"))
    return render_template(
        "unions/dissolve.html",
        union=union,
        event=event,
        offered=union_lifecycle.offered_events(session, current_user, union) if not event else [],
        withheld=union_lifecycle.withheld_events(session, current_user, union) if not event else {},
        form=form,
        preview=preview,
        summary=summary,
        exceptions=exceptions,
        applications=applications[:APPLICATIONS_SHOWN],
        more_applications=max(0, len(applications) - APPLICATIONS_SHOWN),
        every=every,
        successor=successor,
        results=results,
        union_choices=[c for c in open_union_choices(current_user, exclude=union) if c[0]],
        end_reasons=labels.END_REASONS,
    )
