"""Union machine: founding with a chair, suspension, and dissolution that hands every member on."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import DomainError, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle import membership as membership_lifecycle
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN, UNION, WAGE_CASE_OPEN
from projectunion.lifecycle.engine import Context, Lifecycle, _jsonable
from projectunion.models import Jurisdiction, Membership, StateChange, Union, WageCase
from projectunion.models._columns import utcnow


def chair_candidate(union: Union, ctx: Context) -> Membership | None:
    chair_id = ctx.data.get("chair_membership_id") or union.chair_membership_id
    chair = ctx.session.get(Membership, chair_id) if chair_id else None
    if chair is None or chair.union_id != union.id or chair.state != "active":
        return None
    return chair


def has_active_member(union: Union, ctx: Context) -> None:
    """The founding meeting elects the chair from the members: no member, nobody to elect."""
    if not active_members(ctx.session, union):
        raise LIFECYCLE.refuse(
            union,
            "found",
            _l(
                "To found the union, first enroll at least one member: the founding meeting elects the chair"
                " from among the active members."
            ),
        )


def has_chair(union: Union, ctx: Context) -> None:
    if chair_candidate(union, ctx) is None:
        raise LIFECYCLE.refuse(
            union, "found", _l("A union can only be founded with a chair who is an active member of it.")
        )


def record_founding(union: Union, ctx: Context) -> None:
    union.chair = chair_candidate(union, ctx)
    union.founded_on = ctx.on


def open_wage_cases(session: so.Session, union: Union) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(WageCase.union_id == union.id, WageCase.state.in_(WAGE_CASE_OPEN))
    )


def pending_applications(session: so.Session, union: Union) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(Membership.union_id == union.id, Membership.state == "pending")
    )


def _event(union: Union) -> str:
    return "abandon" if union.state == "preparing" else "dissolve"


def no_open_wage_case(union: Union, ctx: Context) -> None:
    if count := open_wage_cases(ctx.session, union):
        raise LIFECYCLE.refuse(
            union,
            _event(union),
            _l("%(count)d wage case(s) are still open: resolve them before dissolving the union.", count=count),
        )


def _application_decisions(ctx: Context) -> dict[int, dict]:
    return {int(k): v for k, v in (ctx.data.get("applications") or {}).items()}


def no_undecided_application(union: Union, ctx: Context) -> None:
    """Every pending application is answered in the same step: handed on to the successor or rejected."""
    decided = set(_application_decisions(ctx))
    pending = ctx.session.scalars(
        sa.select(Membership.id).where(Membership.union_id == union.id, Membership.state == "pending")
    )
    if count := len(set(pending) - decided):
        raise LIFECYCLE.refuse(
            union,
            _event(union),
            _l(
                "%(count)d application(s) are still pending: hand each applicant on to the successor union"
                " or reject the application with a reason.",
                count=count,
            ),
        )


def closed_by_admin_if_standing(union: Union, ctx: Context) -> None:
    permissions.require(permissions.can_close_standing_union(ctx.actor, union))


def active_members(session: so.Session, union: Union) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(Membership.union_id == union.id, Membership.state == "active")
    )


def _successor_before(event: str):
    def guard(union: Union, ctx: Context) -> None:
        """A standing union takes in the members of dissolved project unions: closing it with members
        and nowhere to hand them on would leave them without a union."""
        if union.kind == "project" or (union.successor is not None and union.successor.state in ENROLLMENT_OPEN):
            return
        if count := active_members(ctx.session, union):
            raise LIFECYCLE.refuse(union, event, _successor_missing(union, count))

    return guard


def _successor_missing(union: Union, count: int):
    return _l(
        "%(union)s still has %(count)d active member(s) and no successor union to take them: set the successor first.",
        union=union.name,
        count=count,
    )


def default_successor(session: so.Session, union: Union) -> Union | None:
    """The regional union of the union's town, else of its district (docs/domain.md)."""
    node: Jurisdiction | None = union.jurisdiction
    while node is not None and node.level != "city":
        found = session.scalars(
            sa.select(Union)
            .where(Union.kind == "regional", Union.jurisdiction_id == node.id, Union.state.in_(ENROLLMENT_OPEN))
            .order_by(Union.id)
        ).first()
        if found is not None:
            return found
        node = node.parent
    return None


def resolve_successor(session: so.Session, union: Union, requested_id: int | None) -> Union | None:
    if requested_id:
        successor = session.get(Union, requested_id)
        if successor is None or successor.id == union.id:
            raise ValidationError({"successor_union_id": _l("Choose another union to take the members.")})
        if successor.state not in ENROLLMENT_OPEN:
            raise ValidationError(
                {"successor_union_id": _l("%(union)s does not take members now.", union=successor.name)}
            )
        return successor
    if union.successor is not None and union.successor.state in ENROLLMENT_OPEN:
        return union.successor
    return default_successor(session, union)


def _apply_decisions(union: Union, ctx: Context) -> None:
    """Per-member choices made in the dissolution wizard (few): end or transfer elsewhere."""
    for membership_id, decision in (ctx.data.get("decisions") or {}).items():
        m = ctx.session.get(Membership, int(membership_id))
        if m is None or m.union_id != union.id or m.state != "active":
            raise ValidationError(
                {"decisions": _l("Membership %(id)s is not an active member here.", id=membership_id)}
            )
        action = decision.get("action")
        if action == "keep":
            continue
        data = {k: v for k, v in decision.items() if k != "action"}
        if action == "end":
            data.setdefault("reason", "project_completed")
        elif action != "transfer":
            raise ValidationError({"decisions": _l("Unknown decision for membership %(id)s.", id=membership_id)})
        membership_lifecycle.LIFECYCLE.fire(m, action, Context(ctx.session, ctx.actor, ctx.on, data))


def _decide_applications(union: Union, ctx: Context, successor: Union | None) -> None:
    """The applications still pending, answered as the wizard decided: handed on or rejected."""
    for membership_id, decision in _application_decisions(ctx).items():
        m = ctx.session.get(Membership, membership_id)
        if m is None or m.union_id != union.id or m.state != "pending":
            raise ValidationError({"applications": _l("Application %(id)s is not pending here.", id=membership_id)})
        action = decision.get("action")
        if action == "hand_on":
            if successor is None:
                raise ValidationError(
                    {"applications": _l("No union takes the applicants on: reject the applications with a reason.")}
                )
            data = {"to_union_id": successor.id}
        elif action == "reject":
            data = {"reason": decision.get("reason")}
        else:
            raise ValidationError({"applications": _l("Decide application %(id)s.", id=membership_id)})
        try:
            membership_lifecycle.LIFECYCLE.fire(m, action, Context(ctx.session, ctx.actor, ctx.on, data))
        except DomainError as exc:
            why = "; ".join(str(v) for v in (getattr(exc, "fields", None) or {}).values()) or str(exc.message)
            raise ValidationError({"applications": _l("%(name)s: %(reason)s", name=m.worker.name, reason=why)}) from exc


def hand_on_members(union: Union, ctx: Context) -> None:
    """End every active membership and open the successor's, linked, in set-based SQL."""
    session = ctx.session
    successor = resolve_successor(session, union, ctx.data.get("successor_union_id"))
    latest_join = session.scalar(
        sa.select(sa.func.max(Membership.joined_on)).where(
            Membership.union_id == union.id, Membership.state == "active"
        )
    )
    if latest_join is not None and ctx.on < latest_join:
        raise ValidationError(
            {
                "on": _l(
                    "The dissolution date cannot be before a member joined (%(date)s).", date=latest_join.isoformat()
                )
            }
        )
    union.dissolved_on = ctx.on
    union.successor = successor
    ctx.data["successor_union_id"] = successor.id if successor else None
    _apply_decisions(union, ctx)
    _decide_applications(union, ctx, successor)
    session.flush()

    m = Membership.__table__
    sc = StateChange.__table__
    now = utcnow()
    actor_id = getattr(ctx.actor, "id", None)
    remaining = sa.and_(m.c.union_id == union.id, m.c.state == "active")
    event, to_state = ("transfer", "transferred") if successor else ("end", "ended")
    data = _jsonable(
        {"reason": "project_completed", "union_dissolved": union.id, "to_union_id": ctx.data["successor_union_id"]}
    )
    session.execute(
        sc.insert().from_select(
            ["machine", "object_id", "event", "from_state", "to_state", "on", "actor_id", "at", "data"],
            sa.select(
                sa.literal("membership"),
                m.c.id,
                sa.literal(event),
                sa.literal("active"),
                sa.literal(to_state),
                sa.literal(ctx.on, sa.Date),
                sa.literal(actor_id, sa.Integer),
                sa.literal(now, sc.c.at.type),
                sa.literal(data, sa.JSON),
            ).where(remaining),
        )
    )
    session.execute(m.update().where(remaining).values(state=to_state, ended_on=ctx.on, end_reason="project_completed"))
    _after_members_ended(union)
    if successor is None:
        return
    old = m.alias("old")
    child = m.alias("child")
    handed_on = sa.and_(
        old.c.union_id == union.id,
        old.c.state == "transferred",
        old.c.end_reason == "project_completed",
        ~sa.exists().where(child.c.transferred_from_id == old.c.id),
    )
    session.execute(
        m.insert().from_select(
            [
                "worker_id",
                "union_id",
                "state",
                "applied_on",
                "joined_on",
                "transferred_from_id",
                "source",
                "consent",
                "contractor_id",
                "crew_id",
                "wants_transfer",
                "created_at",
            ],
            sa.select(
                old.c.worker_id,
                sa.literal(successor.id, sa.Integer),
                sa.literal("active"),
                sa.literal(ctx.on, sa.Date),
                sa.literal(ctx.on, sa.Date),
                old.c.id,
                sa.literal("dissolution"),
                sa.literal("transfer"),
                old.c.contractor_id,
                old.c.crew_id,
                sa.false(),
                sa.literal(now, m.c.created_at.type),
            ).where(handed_on),
        )
    )
    new = m.alias("new")
    source_row = m.alias("source_row")
    session.execute(
        sc.insert().from_select(
            ["machine", "object_id", "event", "from_state", "to_state", "on", "actor_id", "at", "data"],
            sa.select(
                sa.literal("membership"),
                new.c.id,
                sa.literal("create"),
                sa.null(),
                sa.literal("active"),
                sa.literal(ctx.on, sa.Date),
                sa.literal(actor_id, sa.Integer),
                sa.literal(now, sc.c.at.type),
                sa.literal({"union_dissolved": union.id}, sa.JSON),
            )
            .select_from(new.join(source_row, new.c.transferred_from_id == source_row.c.id))
            .where(
                source_row.c.union_id == union.id,
                new.c.union_id == successor.id,
                new.c.source == "dissolution",
                ~sa.exists().where(sc.c.machine == "membership", sc.c.object_id == new.c.id),
            ),
        )
    )
    session.expire_all()


def _after_members_ended(union: Union) -> None:
    """A seam for tests that simulate a crash half-way through a dissolution."""


LIFECYCLE = Lifecycle(
    UNION,
    guards={
        "has_active_member": has_active_member,
        "has_chair": has_chair,
        "no_open_wage_case": no_open_wage_case,
        "no_undecided_application": no_undecided_application,
        "closed_by_admin_if_standing": closed_by_admin_if_standing,
        "successor_before_suspending": _successor_before("suspend"),
        "successor_before_dissolving": _successor_before("begin_dissolution"),
    },
    effects={"record_founding": record_founding, "hand_on_members": hand_on_members},
)

#: Guards that look only at the union and the actor, never at the event's data. The dissolution's
#: own guards are left to its wizard, which lists what blocks it and lets the officer settle it there.
DATA_FREE = frozenset(
    {"has_active_member", "closed_by_admin_if_standing", "successor_before_suspending", "successor_before_dissolving"}
)


def offered_events(session: so.Session, actor, union: Union) -> list[str]:
    """The union's events a page may offer to ``actor``: none that the machine would refuse."""
    return LIFECYCLE.offered_events(union, Context(session, actor, today()), DATA_FREE)


def refusal(session: so.Session, actor, union: Union, event: str):
    """Why ``event`` would be refused now (before any data is given), or None."""
    return LIFECYCLE.refusal(union, event, Context(session, actor, today()), DATA_FREE)


def withheld_events(session: so.Session, actor, union: Union) -> dict[str, tuple[str, DomainError]]:
    """The union's events its state allows but that wait for something first (``{event: (guard,
    refusal)}``), leaving out those this actor may never fire: a page says what is needed instead."""
    withheld = LIFECYCLE.withheld_events(union, Context(session, actor, today()), DATA_FREE)
    return {event: refused for event, refused in withheld.items() if refused[1].status not in (403, 404)}
