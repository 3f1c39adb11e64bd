"""Membership machine: applications, approval, ending and transfer between unions."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context

from projectunion.dates import today
from projectunion.exceptions import AlreadyMember, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import END_REASONS, ENROLLMENT_OPEN, MEMBERSHIP
from projectunion.lifecycle.engine import Context, Lifecycle, record_creation
from projectunion.models import Membership, StateChange, Union
from projectunion.realname import age_on


def active_membership(session: so.Session, worker_id: int, exclude_id: int | None = None) -> Membership | None:
    query = sa.select(Membership).where(Membership.worker_id == worker_id, Membership.state == "active")
    if exclude_id is not None:
        query = query.where(Membership.id != exclude_id)
    return session.scalars(query).first()


def enrollment_open(m: Membership, ctx: Context) -> None:
    if m.union.state not in ENROLLMENT_OPEN:
        raise LIFECYCLE.refuse(
            m,
            "approve",
            _l("Enrollment is closed: %(union)s is %(state)s.", union=m.union.name, state=m.union.state),
        )


def old_enough(m: Membership, ctx: Context) -> None:
    minimum = current_app.config["MIN_MEMBER_AGE"] if has_app_context() else 16
    if age_on(m.worker.birth_date, ctx.on) < minimum:
        raise ValidationError(
            {"id_number": _l("The worker must be at least %(age)d years old on the day of joining.", age=minimum)}
        )


def not_active_elsewhere(m: Membership, ctx: Context) -> None:
    current = ctx.found["current"] = active_membership(ctx.session, m.worker_id, exclude_id=m.id)
    if current is None:
        return
    if current.union_id == m.union_id:
        raise AlreadyMember(
            current.union_id,
            current.union.name,
            current.id,
            _l("This worker is already an active member of this union."),
        )
    if not (m.wants_transfer or ctx.data.get("transfer")):
        raise AlreadyMember(current.union_id, current.union.name, current.id)
    if ctx.on < current.joined_on:
        raise ValidationError(
            {
                "joined_on": _l(
                    "The transfer date cannot be before the worker joined %(union)s.", union=current.union.name
                )
            }
        )


def hand_over_current(m: Membership, ctx: Context) -> None:
    """Approving a transfer: the current membership is transferred into this one first."""
    current = ctx.found["current"]  # looked up by the not_active_elsewhere guard just before
    if current is not None:  # the guard allowed a transfer
        LIFECYCLE.fire(
            current,
            "transfer",
            Context(ctx.session, ctx.actor, ctx.on, {"to_union_id": m.union_id, "into_membership_id": m.id}),
        )
        m.transferred_from_id = current.id


def record_joining(m: Membership, ctx: Context) -> None:
    m.joined_on = ctx.on
    take_applicants_details(m)


def take_applicants_details(m: Membership) -> None:
    """Approving a QR application is the officer's decision on what the applicant typed:
    the name of a worker nobody confirmed yet, and the phone given on the form."""
    if m.applicant_name is None:
        return
    worker = m.worker
    if not worker.confirmed:
        worker.name = m.applicant_name
        worker.confirmed = True
    if m.applicant_phone_encrypted:
        from projectunion.protection import protector

        worker.phone = protector().decrypt(m.applicant_phone_encrypted)


def valid_end_reason(m: Membership, ctx: Context) -> None:
    reason = ctx.data.get("reason")
    if reason not in END_REASONS:
        raise ValidationError({"reason": _l("Choose why the membership ends.")})
    if m.joined_on and ctx.on < m.joined_on:
        raise ValidationError({"on": _l("A membership cannot end before it began.")})


def record_end(m: Membership, ctx: Context) -> None:
    m.ended_on = ctx.on
    m.end_reason = ctx.data["reason"]


REASON_MAX = 500


def has_reason(m: Membership, ctx: Context) -> None:
    """A rejection says why: the reason stays in the history and the worker reads it on the status page."""
    reason = " ".join(str(ctx.data.get("reason") or "").split())
    if not reason:
        raise ValidationError({"reason": _l("Give the reason for rejecting: the worker will read it.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _l("Keep the reason under %(max)d characters.", max=REASON_MAX)})
    ctx.data["reason"] = reason


def union_closed(m: Membership, ctx: Context) -> None:
    if m.union.state in ENROLLMENT_OPEN:
        raise LIFECYCLE.refuse(
            m, "hand_on", _l("%(union)s still takes members: approve the application there.", union=m.union.name)
        )


def successor_open(m: Membership, ctx: Context) -> None:
    successor = ctx.session.get(Union, ctx.data.get("to_union_id") or 0)
    if successor is None or successor.id == m.union_id:
        raise ValidationError({"to_union_id": _l("Choose the union that takes the applicant on.")})
    if successor.state not in ENROLLMENT_OPEN:
        raise LIFECYCLE.refuse(
            m,
            "hand_on",
            _l("%(union)s does not take members now (it is %(state)s).", union=successor.name, state=successor.state),
        )


def approve_in_successor(m: Membership, ctx: Context) -> None:
    """The application is answered in the successor union: a membership there, approved by its machine."""
    session = ctx.session
    new = session.scalars(
        sa.select(Membership).where(
            Membership.worker_id == m.worker_id,
            Membership.union_id == ctx.data["to_union_id"],
            Membership.state == "pending",
        )
    ).first()
    if new is None:
        new = Membership(
            worker_id=m.worker_id,
            union_id=ctx.data["to_union_id"],
            state="pending",
            applied_on=m.applied_on,
            source="application",
            consent=m.consent,
            wants_transfer=m.wants_transfer,
            contractor_id=m.contractor_id,
            crew_id=m.crew_id,
        )
        session.add(new)
        record_creation(session, "membership", new, Context(session, ctx.actor, ctx.on, {"application_id": m.id}))
    new.application_id = m.id
    session.flush()
    LIFECYCLE.fire(new, "approve", Context(session, ctx.actor, ctx.on, {"application_id": m.id}))
    ctx.data["new_membership_id"] = new.id


def destination_open(m: Membership, ctx: Context) -> None:
    destination = ctx.session.get(Union, ctx.data.get("to_union_id") or 0)
    if destination is None:
        raise ValidationError({"to_union_id": _l("Choose the union the member moves to.")})
    if destination.id == m.union_id:
        raise ValidationError({"to_union_id": _l("A member cannot be transferred to the same union.")})
    if destination.state not in ENROLLMENT_OPEN:
        raise LIFECYCLE.refuse(
            m,
            "transfer",
            _l(
                "%(union)s does not take members now (it is %(state)s).",
                union=destination.name,
                state=destination.state,
            ),
        )
    if m.joined_on and ctx.on < m.joined_on:
        raise ValidationError({"on": _l("A membership cannot end before it began.")})


def open_destination_membership(m: Membership, ctx: Context) -> None:
    m.ended_on = ctx.on
    # The old row must be written before the new active one (one active per worker).
    ctx.session.flush()
    if ctx.data.get("into_membership_id"):
        return
    new = Membership(
        worker_id=m.worker_id,
        union_id=ctx.data["to_union_id"],
        state="active",
        applied_on=ctx.on,
        joined_on=ctx.on,
        transferred_from_id=m.id,
        source="transfer",
        consent="transfer",
        contractor_id=m.contractor_id,
        crew_id=m.crew_id,
    )
    ctx.session.add(new)
    record_creation(
        ctx.session, "membership", new, Context(ctx.session, ctx.actor, ctx.on, {"transferred_from_id": m.id})
    )
    ctx.data["new_membership_id"] = new.id


LIFECYCLE = Lifecycle(
    MEMBERSHIP,
    guards={
        "enrollment_open": enrollment_open,
        "old_enough": old_enough,
        "not_active_elsewhere": not_active_elsewhere,
        "valid_end_reason": valid_end_reason,
        "destination_open": destination_open,
        "has_reason": has_reason,
        "union_closed": union_closed,
        "successor_open": successor_open,
    },
    effects={
        "hand_over_current": hand_over_current,
        "record_joining": record_joining,
        "record_end": record_end,
        "open_destination_membership": open_destination_membership,
        "approve_in_successor": approve_in_successor,
    },
)

#: Guards that look only at the membership and its union, never at the event's data.
DATA_FREE = frozenset({"enrollment_open", "union_closed"})


def offered_events(session: so.Session, actor, m: Membership) -> list[str]:
    """The events a page may offer for ``m``: the machine would not refuse them for their state."""
    return LIFECYCLE.offered_events(m, Context(session, actor, today()), DATA_FREE)


def rejection_reason(session: so.Session, m: Membership) -> str | None:
    """Why an application was rejected, as its history keeps it."""
    data = session.scalar(
        sa.select(StateChange.data)
        .where(StateChange.machine == "membership", StateChange.object_id == m.id, StateChange.event == "reject")
        .order_by(StateChange.id.desc())
    )
    return (data or {}).get("reason")
