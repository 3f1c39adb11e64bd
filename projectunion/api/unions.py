"""Unions: project unions through their lifecycle, standing unions, and their members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.api.common import event_data, history_operation, jurisdiction_filter, union_ref
from projectunion.api.core import list_params, operation, paginate
from projectunion.api.memberships import MEMBERSHIP, memberships_out
from projectunion.api.schema import (
    Boolean,
    Choice,
    Date,
    Field,
    Id,
    IdMap,
    Integer,
    List,
    Shape,
    Text,
    page_of,
)
from projectunion.db import get_session
from projectunion.exceptions import NotFound
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import ACTIVATED, END_REASONS
from projectunion.lifecycle.declarations import MEMBERSHIP as MEMBERSHIP_MACHINE
from projectunion.lifecycle.declarations import UNION as UNION_MACHINE
from projectunion.models import Membership, Union, User
from projectunion.models.unions import UNION_KINDS
from projectunion.scopes import visible_unions
from projectunion.services import jurisdictions, memberships, unions
from projectunion.services.events import fire_event

COUNTS = Shape(
    "MemberCounts",
    {
        "active": Field(Integer(minimum=0)),
        "pending": Field(Integer(minimum=0), description=_l("Applications waiting for a decision.")),
        "ended": Field(Integer(minimum=0), description=_l("Memberships that ended or were transferred away.")),
    },
)

UNION = Shape(
    "Union",
    {
        "id": Field(Id()),
        "kind": Field(Choice(UNION_KINDS)),
        "name": Field(Text(max_length=200)),
        "state": Field(Choice(UNION_MACHINE.states)),
        "project_id": Field(Id(), nullable=True),
        "jurisdiction_code": Field(Text(max_length=12)),
        "founded_on": Field(Date(), nullable=True),
        "dissolved_on": Field(Date(), nullable=True),
        "chair_membership_id": Field(Id(), nullable=True),
        "successor_union_id": Field(
            Id(), nullable=True, description=_l("The union that receives the members at dissolution.")
        ),
        "counts": Field(COUNTS),
        "allowed_events": Field(List(Choice(UNION_MACHINE.events()))),
    },
    description=_l("A project union (tied to one project) or a standing regional or industry union."),
)

UNION_CREATE = Shape(
    "UnionCreate",
    {
        "kind": Field(Choice(("regional", "industry"))),
        "name": Field(Text(max_length=200)),
        "jurisdiction_code": Field(Text(max_length=12)),
    },
    description=_l("A standing union; project unions are opened by starting their project."),
)

DECISION = Shape(
    "DissolutionDecision",
    {
        "action": Field(Choice(("keep", "end", "transfer"))),
        "reason": Field(Choice(END_REASONS), required=False, nullable=True, description=_l("For `end`.")),
        "to_union_id": Field(Id(), required=False, nullable=True, description=_l("For `transfer`.")),
    },
    description=_l("What happens to one member at dissolution; `keep` hands them on to the successor."),
)

UNION_EVENT = Shape(
    "UnionEvent",
    {
        "event": Field(Choice(UNION_MACHINE.events())),
        "on": Field(Date(), required=False, nullable=True, description=_l("When it happened; default today.")),
        "chair_membership_id": Field(Id(), required=False, nullable=True, description=_l("For `found`.")),
        "successor_union_id": Field(
            Id(),
            required=False,
            nullable=True,
            description=_l("For `dissolve`: default the regional union of the town, else of the district."),
        ),
        "decisions": Field(
            IdMap(DECISION),
            required=False,
            nullable=True,
            description=_l("For `dissolve`: a decision per membership id; the others are handed on."),
        ),
    },
)

ENROLLMENT = Shape(
    "Enrollment",
    {
        "id_number": Field(Text(min_length=0, max_length=40), description=_l("The 18-character resident ID number.")),
        "name": Field(Text(min_length=0, max_length=100)),
        "phone": Field(Text(min_length=0, max_length=30), required=False, nullable=True),
        "trade": Field(Text(min_length=0, max_length=50), required=False, nullable=True),
        "joined_on": Field(Date(), required=False, nullable=True, description=_l("Default today.")),
        "transfer": Field(
            Boolean(),
            required=False,
            nullable=True,
            description=_l("Move a worker who is active in another union here (else 409 `already_member`)."),
        ),
    },
    description=_l("Enroll a worker who has agreed to join; the worker is created on first enrollment."),
)

DISSOLUTION = Shape(
    "DissolutionPreview",
    {
        "open_wage_cases": Field(Integer(minimum=0)),
        "pending_applications": Field(Integer(minimum=0)),
        "active_members": Field(Integer(minimum=0)),
        "successor_union_id": Field(Id(), nullable=True),
        "blocked": Field(Boolean(), description=_l("True while open wage cases or applications prevent it.")),
    },
    description=_l("What dissolving the union now would do."),
)


def member_counts(session: so.Session, union_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    counts = {uid: {"active": 0, "pending": 0, "ended": 0} for uid in union_ids}
    if not union_ids:
        return counts
    rows = session.execute(
        sa.select(Membership.union_id, Membership.state, sa.func.count())
        .where(Membership.union_id.in_(union_ids))
        .group_by(Membership.union_id, Membership.state)
    )
    for union_id, state, n in rows:
        key = {"active": "active", "pending": "pending", "ended": "ended", "transferred": "ended"}.get(state)
        if key is not None:
            counts[union_id][key] += n
    return counts


def union_out(u: Union, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": u.id,
        "kind": u.kind,
        "name": u.name,
        "state": u.state,
        "project_id": u.project_id,
        "jurisdiction_code": u.jurisdiction.code,
        "founded_on": u.founded_on,
        "dissolved_on": u.dissolved_on,
        "chair_membership_id": u.chair_membership_id,
        "successor_union_id": u.successor_union_id,
        "counts": counts,
        "allowed_events": lifecycle.allowed_events(u),
    }


def one_union_out(session: so.Session, u: Union) -> dict[str, Any]:
    return union_out(u, member_counts(session, [u.id])[u.id])


_UNION = sa.select(Union).where(Union.id == sa.bindparam("union_id")).options(so.joinedload(Union.jurisdiction))


def visible_union(session: so.Session, actor: User, union_id: int) -> Union:
    union = session.scalars(_UNION, {"union_id": union_id}).first()
    if union is None:
        raise NotFound()
    permissions.require_visible(actor, union)
    return union


@operation(
    "GET",
    "/unions",
    tag="unions",
    summary=_l("List the unions in your scope"),
    response=page_of(UNION),
    query=list_params(
        kind=Field(Choice(UNION_KINDS), required=False),
        state=Field(Choice(UNION_MACHINE.states), required=False),
        jurisdiction_code=Field(Text(max_length=12), required=False, description=_l("This jurisdiction and below.")),
    ),
)
def list_unions(actor: User, query: dict[str, Any]):
    session = get_session()
    stmt = sa.select(Union).where(visible_unions(actor)).options(so.selectinload(Union.jurisdiction))
    if query["kind"]:
        stmt = stmt.where(Union.kind == query["kind"])
    if query["state"]:
        stmt = stmt.where(Union.state == query["state"])
    if query["jurisdiction_code"]:
        stmt = stmt.where(
            jurisdiction_filter(session, query["jurisdiction_code"], "jurisdiction_code", Union.jurisdiction_id)
        )
    items, nxt = paginate(session, stmt, Union.id, query)
    counts = member_counts(session, [u.id for u in items])
    return {"items": [union_out(u, counts[u.id]) for u in items], "next": nxt}


@operation(
    "POST",
    "/unions",
    tag="unions",
    summary=_l("Create a standing (regional or industry) union"),
    body=UNION_CREATE,
    response=UNION,
    status=201,
    errors=(403,),
)
def create_union(actor: User, body: dict[str, Any]):
    session = get_session()
    place = jurisdictions.by_code(session, body["jurisdiction_code"])
    union = unions.create_standing_union(session, actor, kind=body["kind"], name=body["name"], jurisdiction=place)
    return one_union_out(session, union)


@operation("GET", "/unions/{union_id}", tag="unions", summary=_l("One union, with member counts"), response=UNION)
def get_union(actor: User, union_id: int):
    session = get_session()
    return one_union_out(session, visible_union(session, actor, union_id))


@operation(
    "POST",
    "/unions/{union_id}/events",
    tag="unions",
    summary=_l("Fire a lifecycle event: found, suspend, resume, begin_dissolution, dissolve, abandon"),
    description=_l(
        "`found` needs `chair_membership_id` (an active member). `dissolve` is refused (409) while wage "
        "cases are open or applications pending; it ends every membership and hands the members on to the "
        "successor union in the same transaction."
    ),
    body=UNION_EVENT,
    response=UNION,
    errors=(403, 409),
)
def union_event(actor: User, union_id: int, body: dict[str, Any]):
    session = get_session()
    union = visible_union(session, actor, union_id)
    union_ref(actor, body["successor_union_id"], "successor_union_id")
    decisions = {}
    for membership_id, decision in (body["decisions"] or {}).items():
        union_ref(actor, decision["to_union_id"], f"decisions.{membership_id}.to_union_id")
        decisions[str(membership_id)] = event_data(**decision)
    data = event_data(
        chair_membership_id=body["chair_membership_id"],
        successor_union_id=body["successor_union_id"],
        decisions=decisions or None,
    )
    fire_event(session, actor, union, body["event"], on=body["on"], **data)
    return one_union_out(session, union)


@operation(
    "GET",
    "/unions/{union_id}/dissolution",
    tag="unions",
    summary=_l("What dissolving the union now would do"),
    response=DISSOLUTION,
)
def dissolution_preview(actor: User, union_id: int):
    session = get_session()
    preview = unions.preview_dissolution(session, actor, visible_union(session, actor, union_id))
    return {
        "open_wage_cases": preview.open_wage_cases,
        "pending_applications": preview.pending_applications,
        "active_members": preview.active_members,
        "successor_union_id": preview.successor.id if preview.successor else None,
        "blocked": preview.blocked,
    }


@operation(
    "GET",
    "/unions/{union_id}/members",
    tag="unions",
    summary=_l("The union's memberships, optionally those in force on a date"),
    response=page_of(MEMBERSHIP),
    query=list_params(
        state=Field(Choice(MEMBERSHIP_MACHINE.states), required=False),
        as_of=Field(
            Date(),
            required=False,
            description=_l("Only memberships in force on this date: joined on or before it, not ended by it."),
        ),
    ),
)
def list_members(actor: User, union_id: int, query: dict[str, Any]):
    session = get_session()
    union = visible_union(session, actor, union_id)
    stmt = (
        sa.select(Membership)
        .where(Membership.union_id == union.id)
        .options(so.joinedload(Membership.worker), so.joinedload(Membership.union))
    )
    if query["state"]:
        stmt = stmt.where(Membership.state == query["state"])
    if query["as_of"]:
        day = query["as_of"]
        stmt = stmt.where(
            Membership.state.in_(ACTIVATED),
            Membership.joined_on <= day,
            sa.or_(Membership.ended_on.is_(None), Membership.ended_on > day),
        )
    items, nxt = paginate(session, stmt, Membership.id, query)
    return {"items": memberships_out(session, items), "next": nxt}


@operation(
    "POST",
    "/unions/{union_id}/members",
    tag="unions",
    summary=_l("Enroll a worker"),
    description=_l(
        "Refused with 409 `already_member` (and the current `union_id`) when the worker is active in a "
        "union, unless `transfer` is true; 409 `enrollment_closed` unless the union is preparing or active."
    ),
    body=ENROLLMENT,
    response=MEMBERSHIP,
    status=201,
    errors=(403, 409),
)
def enroll(actor: User, union_id: int, body: dict[str, Any]):
    session = get_session()
    union = visible_union(session, actor, union_id)
    membership = memberships.enroll(
        session,
        actor,
        union,
        id_number=body["id_number"],
        name=body["name"],
        phone=body["phone"],
        trade=body["trade"],
        joined_on=body["joined_on"],
        transfer=bool(body["transfer"]),
        consent="api",
    )
    return memberships_out(session, [membership])[0]


history_operation("/unions/{union_id}", "unions", "union", visible_union)
