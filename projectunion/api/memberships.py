"""Memberships: one worker in one union over a period; approval, ending, transfer."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so
from pydantic import AliasPath, Field, computed_field

from projectunion import lifecycle, permissions
from projectunion.api.common import get_or_404, history_operation, union_ref
from projectunion.api.core import operation
from projectunion.api.schema import Answer, Choice, Date, Facts, Id, Request, Text, described
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import END_REASONS
from projectunion.lifecycle.declarations import MEMBERSHIP as MEMBERSHIP_MACHINE
from projectunion.models import Membership as MembershipRow
from projectunion.models import User
from projectunion.models.memberships import SOURCES
from projectunion.services import memberships
from projectunion.services.events import fire_checked_and_commit

MembershipState = Choice(MEMBERSHIP_MACHINE.states)
MembershipEventName = Choice(MEMBERSHIP_MACHINE.events())
EndReason = Choice(END_REASONS)


class Membership(Answer, json_schema_extra=described(_l("A worker in a union over a period. Never deleted."))):
    id: Id
    worker_id: Id
    union_id: Id
    union_name: Text(200) = Field(validation_alias=AliasPath("union", "name"))
    name: Text(50) = Field(validation_alias=AliasPath("worker", "name"), description=_l("The worker's name."))
    id_number_masked: Text(18, example="411***********123X") = Field(validation_alias=AliasPath("worker", "id_masked"))
    trade: Text(50) | None = Field(validation_alias=AliasPath("worker", "trade"))
    state: MembershipState
    applied_on: Date
    joined_on: Date | None
    ended_on: Date | None
    end_reason: EndReason | None
    transferred_from_id: Id | None = Field(description=_l("The membership this one continues."))
    transferred_to_id: Id | None = Field(description=_l("The membership that continues this one."))
    source: Choice(SOURCES)

    @computed_field
    def allowed_events(self) -> list[MembershipEventName]:
        return lifecycle.lifecycle_of("membership").allowed_events(self)

    @classmethod
    def many(cls, session: so.Session, rows: Sequence[MembershipRow]) -> list[Membership]:
        """The answers for ``rows``, each transferred one with the membership that continues it."""
        following = continuations(session, [m.id for m in rows if m.state == "transferred"])
        return [cls.model_validate(Facts(m, transferred_to_id=following.get(m.id))) for m in rows]


class MembershipEvent(Request):
    event: MembershipEventName
    on: Date | None = Field(None, description=_l("When it happened; default today."))
    reason: EndReason | None = Field(None, description=_l("For `end`."))
    to_union_id: Id | None = Field(None, description=_l("For `transfer`."))
    rejection_reason: Text(500) | None = Field(
        None, description=_l("For `reject` (required): why; kept in the history, shown to the worker.")
    )


def continuations(session: so.Session, ids: Sequence[int]) -> dict[int, int]:
    """For each (transferred) membership id, the membership that continues it."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(MembershipRow.transferred_from_id, MembershipRow.id).where(MembershipRow.transferred_from_id.in_(ids))
    )
    return dict(rows.all())


def _visible_membership(session: so.Session, actor: User, membership_id: int) -> MembershipRow:
    membership = get_or_404(MembershipRow, membership_id)
    permissions.require_visible(actor, membership.union)
    return membership


@operation("GET", "/memberships/{membership_id}", tag="memberships", summary=_l("One membership"), response=Membership)
def get_membership(actor: User, membership_id: int):
    session = get_session()
    return Membership.many(session, [_visible_membership(session, actor, membership_id)])[0]


@operation(
    "POST",
    "/memberships/{membership_id}/events",
    tag="memberships",
    summary=_l("Approve or reject an application; end or transfer a membership"),
    description=_l("`end` needs a `reason`; `transfer` needs `to_union_id` and answers the old membership."),
    body=MembershipEvent,
    response=Membership,
    errors=(403, 409),
)
def membership_event(actor: User, membership_id: int, body: MembershipEvent):
    session = get_session()
    membership = _visible_membership(session, actor, membership_id)
    event, on = body.event, body.on
    if event in ("approve", "reject"):
        memberships.decide(session, actor, membership, event == "approve", on=on, reason=body.rejection_reason)
    elif event == "end":
        memberships.end_membership(session, actor, membership, body.reason, on=on)
    elif body.to_union_id is None:
        # Refused by the lifecycle with a field error, after the permission and state checks.
        fire_checked_and_commit(session, actor, membership, "transfer", on=on)
    else:
        to_union = union_ref(actor, body.to_union_id, "to_union_id")
        memberships.transfer_membership(session, actor, membership, to_union, on=on)
        session.refresh(membership)
    return Membership.many(session, [membership])[0]


history_operation("/memberships/{membership_id}", "memberships", "membership", _visible_membership)
