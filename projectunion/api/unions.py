"""Unions: project unions through their lifecycle, standing unions, and their members."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so
from pydantic import AliasPath, Field, computed_field

from projectunion import lifecycle, permissions
from projectunion.api.common import event_data, history_operation, jurisdiction_filter, union_ref
from projectunion.api.core import ListQuery, operation, paginate
from projectunion.api.memberships import EndReason, Membership, MembershipState
from projectunion.api.schema import (
    Answer,
    Boolean,
    Choice,
    Count,
    Date,
    Facts,
    Id,
    IdMap,
    Page,
    Request,
    Text,
    described,
)
from projectunion.db import get_session
from projectunion.exceptions import NotFound
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import UNION as UNION_MACHINE
from projectunion.models import Membership as MembershipRow
from projectunion.models import Union as UnionRow
from projectunion.models import User
from projectunion.models.memberships import in_force_on
from projectunion.models.unions import UNION_KINDS
from projectunion.scopes import visible_unions
from projectunion.services import jurisdictions, memberships, unions
from projectunion.services.events import fire_checked_and_commit

UnionKind = Choice(UNION_KINDS)
UnionState = Choice(UNION_MACHINE.states)
UnionEventName = Choice(UNION_MACHINE.events())


class MemberCounts(Answer):
    active: Count
    pending: Count = Field(description=_l("Applications waiting for a decision."))
    ended: Count = Field(description=_l("Memberships that ended or were transferred away."))


class Union(
    Answer,
    json_schema_extra=described(_l("A project union (tied to one project) or a standing regional or industry union.")),
):
    id: Id
    kind: UnionKind
    name: Text(200)
    state: UnionState
    project_id: Id | None
    jurisdiction_code: Text(12) = Field(validation_alias=AliasPath("jurisdiction", "code"))
    founded_on: Date | None
    dissolved_on: Date | None
    chair_membership_id: Id | None
    successor_union_id: Id | None = Field(description=_l("The union that receives the members at dissolution."))
    counts: MemberCounts

    @computed_field
    def allowed_events(self) -> list[UnionEventName]:
        return lifecycle.lifecycle_of("union").allowed_events(self)

    @classmethod
    def many(cls, session: so.Session, rows: Sequence[UnionRow]) -> list[Union]:
        """The answers for ``rows``, with their member counts (one query for all)."""
        counts = member_counts(session, [u.id for u in rows])
        return [cls.model_validate(Facts(u, counts=counts[u.id])) for u in rows]


class UnionCreate(
    Request, json_schema_extra=described(_l("A standing union; project unions are opened by starting their project."))
):
    kind: Choice(("regional", "industry"))
    name: Text(200)
    jurisdiction_code: Text(12)


class DissolutionDecision(
    Request,
    json_schema_extra=described(
        _l("What happens to one member at dissolution; `keep` hands them on to the successor.")
    ),
):
    action: Choice(("keep", "end", "transfer"))
    reason: EndReason | None = Field(None, description=_l("For `end`."))
    to_union_id: Id | None = Field(None, description=_l("For `transfer`."))


class ApplicationDecision(
    Request,
    json_schema_extra=described(
        _l("How a pending application is answered at dissolution: approved into the successor, or rejected.")
    ),
):
    action: Choice(("hand_on", "reject"))
    reason: Text(500) | None = Field(None, description=_l("For `reject`: why; the worker reads it."))


class UnionEvent(Request):
    event: UnionEventName
    on: Date | None = Field(None, description=_l("When it happened; default today."))
    chair_membership_id: Id | None = Field(None, description=_l("For `found`."))
    successor_union_id: Id | None = Field(
        None, description=_l("For `dissolve`: default the regional union of the town, else of the district.")
    )
    decisions: IdMap(DissolutionDecision) | None = Field(
        None, description=_l("For `dissolve`: a decision per membership id; the others are handed on.")
    )
    applications: IdMap(ApplicationDecision) | None = Field(
        None, description=_l("For `dissolve`: how each pending application (by membership id) is answered.")
    )


class Enrollment(
    Request,
    json_schema_extra=described(
        _l("Enroll a worker who has agreed to join; the worker is created on first enrollment.")
    ),
):
    id_number: Text(40, min_length=0) = Field(description=_l("The 18-character resident ID number."))
    name: Text(100, min_length=0)
    phone: Text(30, min_length=0) | None = None
    trade: Text(50, min_length=0) | None = None
    joined_on: Date | None = Field(None, description=_l("Default today."))
    transfer: Boolean | None = Field(
        None, description=_l("Move a worker who is active in another union here (else 409 `already_member`).")
    )


class DissolutionPreview(Answer, json_schema_extra=described(_l("What dissolving the union now would do."))):
    open_wage_cases: Count
    pending_applications: Count
    active_members: Count
    successor_union_id: Id | None = Field(None, validation_alias=AliasPath("successor", "id"))
    blocked: Boolean = Field(
        description=_l("True while open wage cases prevent it (pending applications are decided with `dissolve`).")
    )


class UnionQuery(ListQuery):
    kind: UnionKind | None = None
    state: UnionState | None = None
    jurisdiction_code: Text(12) | None = Field(None, description=_l("This jurisdiction and below."))


class MemberQuery(ListQuery):
    state: MembershipState | None = None
    as_of: Date | None = Field(
        None, description=_l("Only memberships in force on this date: joined on or before it, not ended by it.")
    )


def member_counts(session: so.Session, union_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    counts = {uid: {"active": 0, "pending": 0, "ended": 0} for uid in union_ids}
    if not union_ids:
        return counts
    rows = session.execute(
        sa.select(MembershipRow.union_id, MembershipRow.state, sa.func.count())
        .where(MembershipRow.union_id.in_(union_ids))
        .group_by(MembershipRow.union_id, MembershipRow.state)
    )
    for union_id, state, n in rows:
        key = {"active": "active", "pending": "pending", "ended": "ended", "transferred": "ended"}.get(state)
        if key is not None:
            counts[union_id][key] += n
    return counts


_UNION = (
    sa.select(UnionRow).where(UnionRow.id == sa.bindparam("union_id")).options(so.joinedload(UnionRow.jurisdiction))
)


def visible_union(session: so.Session, actor: User, union_id: int) -> UnionRow:
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
    response=Page[Union],
    query=UnionQuery,
)
def list_unions(actor: User, query: UnionQuery):
    session = get_session()
    stmt = sa.select(UnionRow).where(visible_unions(actor)).options(so.selectinload(UnionRow.jurisdiction))
    if query.kind:
        stmt = stmt.where(UnionRow.kind == query.kind)
    if query.state:
        stmt = stmt.where(UnionRow.state == query.state)
    if query.jurisdiction_code:
        stmt = stmt.where(
            jurisdiction_filter(session, query.jurisdiction_code, "jurisdiction_code", UnionRow.jurisdiction_id)
        )
    page = paginate(session, stmt, UnionRow.id, query)
    page.items = Union.many(session, page.items)
    return page


@operation(
    "POST",
    "/unions",
    tag="unions",
    summary=_l("Create a standing (regional or industry) union"),
    body=UnionCreate,
    response=Union,
    status=201,
    errors=(403,),
)
def create_union(actor: User, body: UnionCreate):
    session = get_session()
    place = jurisdictions.by_code(session, body.jurisdiction_code)
    union = unions.create_standing_union(session, actor, kind=body.kind, name=body.name, jurisdiction=place)
    return Union.many(session, [union])[0]


@operation("GET", "/unions/{union_id}", tag="unions", summary=_l("One union, with member counts"), response=Union)
def get_union(actor: User, union_id: int):
    session = get_session()
    return Union.many(session, [visible_union(session, actor, union_id)])[0]


@operation(
    "POST",
    "/unions/{union_id}/events",
    tag="unions",
    summary=_l("Fire a lifecycle event: found, suspend, resume, begin_dissolution, dissolve, abandon"),
    description=_l(
        "`found` needs `chair_membership_id` (an active member). `dissolve` is refused (409) while wage "
        "cases are open or an application is left undecided (`applications`); it ends every membership and "
        "hands the members on to the successor union in the same transaction."
    ),
    body=UnionEvent,
    response=Union,
    errors=(403, 409),
)
def union_event(actor: User, union_id: int, body: UnionEvent):
    session = get_session()
    union = visible_union(session, actor, union_id)
    union_ref(actor, body.successor_union_id, "successor_union_id")
    decisions = {}
    for membership_id, decision in (body.decisions or {}).items():
        union_ref(actor, decision.to_union_id, f"decisions.{membership_id}.to_union_id")
        decisions[str(membership_id)] = decision.model_dump(exclude_none=True)
    data = event_data(
        chair_membership_id=body.chair_membership_id,
        successor_union_id=body.successor_union_id,
        decisions=decisions or None,
        applications={str(k): v.model_dump(exclude_none=True) for k, v in (body.applications or {}).items()} or None,
    )
    fire_checked_and_commit(session, actor, union, body.event, on=body.on, **data)
    return Union.many(session, [union])[0]


@operation(
    "GET",
    "/unions/{union_id}/dissolution",
    tag="unions",
    summary=_l("What dissolving the union now would do"),
    response=DissolutionPreview,
)
def dissolution_preview(actor: User, union_id: int):
    session = get_session()
    return unions.preview_dissolution(session, actor, visible_union(session, actor, union_id))


@operation(
    "GET",
    "/unions/{union_id}/members",
    tag="unions",
    summary=_l("The union's memberships, optionally those in force on a date"),
    response=Page[Membership],
    query=MemberQuery,
)
def list_members(actor: User, union_id: int, query: MemberQuery):
    session = get_session()
    union = visible_union(session, actor, union_id)
    stmt = (
        sa.select(MembershipRow)
        .where(MembershipRow.union_id == union.id)
        .options(so.joinedload(MembershipRow.worker), so.joinedload(MembershipRow.union))
    )
    if query.state:
        stmt = stmt.where(MembershipRow.state == query.state)
    if query.as_of:
        stmt = stmt.where(*in_force_on(MembershipRow, query.as_of))
    page = paginate(session, stmt, MembershipRow.id, query)
    page.items = Membership.many(session, page.items)
    return page


@operation(
    "POST",
    "/unions/{union_id}/members",
    tag="unions",
    summary=_l("Enroll a worker"),
    description=_l(
        "Refused with 409 `already_member` (and the current `union_id`) when the worker is active in a "
        "union, unless `transfer` is true; 409 `enrollment_closed` unless the union is preparing or active."
    ),
    body=Enrollment,
    response=Membership,
    status=201,
    errors=(403, 409),
)
def enroll(actor: User, union_id: int, body: Enrollment):
    session = get_session()
    union = visible_union(session, actor, union_id)
    membership = memberships.enroll(
        session,
        actor,
        union,
        id_number=body.id_number,
        name=body.name,
        phone=body.phone,
        trade=body.trade,
        joined_on=body.joined_on,
        transfer=bool(body.transfer),
        consent="api",
    )
    return Membership.many(session, [membership])[0]


history_operation("/unions/{union_id}", "unions", "union", visible_union)
