"""Memberships: one worker in one union over a period; approval, ending, transfer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.api.common import get_or_404, history_operation, union_ref
from projectunion.api.core import operation
from projectunion.api.schema import Choice, Date, Field, Id, List, Shape, Text
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import END_REASONS
from projectunion.lifecycle.declarations import MEMBERSHIP as MEMBERSHIP_MACHINE
from projectunion.models import Membership, User
from projectunion.models.memberships import SOURCES
from projectunion.services import memberships
from projectunion.services.events import fire_event

MEMBERSHIP = Shape(
    "Membership",
    {
        "id": Field(Id()),
        "worker_id": Field(Id()),
        "union_id": Field(Id()),
        "union_name": Field(Text(max_length=200)),
        "name": Field(Text(max_length=50), description=_l("The worker's name.")),
        "id_number_masked": Field(Text(max_length=18, example="411***********123X")),
        "trade": Field(Text(max_length=50), nullable=True),
        "state": Field(Choice(MEMBERSHIP_MACHINE.states)),
        "applied_on": Field(Date()),
        "joined_on": Field(Date(), nullable=True),
        "ended_on": Field(Date(), nullable=True),
        "end_reason": Field(Choice(END_REASONS), nullable=True),
        "transferred_from_id": Field(Id(), nullable=True, description=_l("The membership this one continues.")),
        "transferred_to_id": Field(Id(), nullable=True, description=_l("The membership that continues this one.")),
        "source": Field(Choice(SOURCES)),
        "allowed_events": Field(List(Choice(MEMBERSHIP_MACHINE.events()))),
    },
    description=_l("A worker in a union over a period. Never deleted."),
)

MEMBERSHIP_EVENT = Shape(
    "MembershipEvent",
    {
        "event": Field(Choice(MEMBERSHIP_MACHINE.events())),
        "on": Field(Date(), required=False, nullable=True, description=_l("When it happened; default today.")),
        "reason": Field(Choice(END_REASONS), required=False, nullable=True, description=_l("For `end`.")),
        "to_union_id": Field(Id(), required=False, nullable=True, description=_l("For `transfer`.")),
    },
)


def continuations(session: so.Session, ids: Sequence[int]) -> dict[int, int]:
    """For each (transferred) membership id, the membership that continues it."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Membership.transferred_from_id, Membership.id).where(Membership.transferred_from_id.in_(ids))
    )
    return dict(rows.all())


def membership_out(m: Membership, transferred_to_id: int | None) -> dict[str, Any]:
    return {
        "id": m.id,
        "worker_id": m.worker_id,
        "union_id": m.union_id,
        "union_name": m.union.name,
        "name": m.worker.name,
        "id_number_masked": m.worker.id_masked,
        "trade": m.worker.trade,
        "state": m.state,
        "applied_on": m.applied_on,
        "joined_on": m.joined_on,
        "ended_on": m.ended_on,
        "end_reason": m.end_reason,
        "transferred_from_id": m.transferred_from_id,
        "transferred_to_id": transferred_to_id,
        "source": m.source,
        "allowed_events": lifecycle.allowed_events(m),
    }


def memberships_out(session: so.Session, items: Sequence[Membership]) -> list[dict[str, Any]]:
    following = continuations(session, [m.id for m in items if m.state == "transferred"])
    return [membership_out(m, following.get(m.id)) for m in items]


def _visible_membership(session: so.Session, actor: User, membership_id: int) -> Membership:
    membership = get_or_404(Membership, membership_id)
    permissions.require_visible(actor, membership.union)
    return membership


@operation("GET", "/memberships/{membership_id}", tag="memberships", summary=_l("One membership"), response=MEMBERSHIP)
def get_membership(actor: User, membership_id: int):
    session = get_session()
    return memberships_out(session, [_visible_membership(session, actor, membership_id)])[0]


@operation(
    "POST",
    "/memberships/{membership_id}/events",
    tag="memberships",
    summary=_l("Approve or reject an application; end or transfer a membership"),
    description=_l("`end` needs a `reason`; `transfer` needs `to_union_id` and answers the old membership."),
    body=MEMBERSHIP_EVENT,
    response=MEMBERSHIP,
    errors=(403, 409),
)
def membership_event(actor: User, membership_id: int, body: dict[str, Any]):
    session = get_session()
    membership = _visible_membership(session, actor, membership_id)
    event, on = body["event"], body["on"]
    if event in ("approve", "reject"):
        memberships.decide(session, actor, membership, event == "approve", on=on)
    elif event == "end":
        memberships.end_membership(session, actor, membership, body["reason"], on=on)
    elif body["to_union_id"] is None:
        # Refused by the lifecycle with a field error, after the permission and state checks.
        fire_event(session, actor, membership, "transfer", on=on)
    else:
        to_union = union_ref(actor, body["to_union_id"], "to_union_id")
        memberships.transfer_membership(session, actor, membership, to_union, on=on)
        session.refresh(membership)
    return memberships_out(session, [membership])[0]


history_operation("/memberships/{membership_id}", "memberships", "membership", _visible_membership)
