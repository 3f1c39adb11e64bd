"""What a site exit means for the union's members: the officer decides each one.

When workers leave a site, the project union's officer keeps, transfers or
ends each affected member's membership instead of leaving it silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import END_REASONS, ENROLLMENT_OPEN
from projectunion.models import AuditEvent, CrewMember, Membership, SiteEntry, Union, User, Worker
from projectunion.services.transaction import audit, unit_of_work

KEEP_ACTION = "keep_after_site_exit"


def _workers_of(session: so.Session, entry: SiteEntry) -> set[int]:
    if entry.worker_id is not None:
        return {entry.worker_id}
    end = entry.exited_on or today()
    return set(
        session.scalars(
            sa.select(CrewMember.worker_id).where(
                CrewMember.crew_id == entry.crew_id,
                CrewMember.joined_on <= end,
                sa.or_(CrewMember.left_on.is_(None), CrewMember.left_on >= entry.entered_on),
            )
        )
    )


def _still_on_site(session: so.Session, project_id: int) -> set[int]:
    """Workers with an open entry of their own, or in a crew that is still on the site."""
    alone = session.scalars(
        sa.select(SiteEntry.worker_id).where(
            SiteEntry.project_id == project_id, SiteEntry.exited_on.is_(None), SiteEntry.worker_id.is_not(None)
        )
    )
    with_crew = session.scalars(
        sa.select(CrewMember.worker_id)
        .join(SiteEntry, SiteEntry.crew_id == CrewMember.crew_id)
        .where(
            SiteEntry.project_id == project_id,
            SiteEntry.exited_on.is_(None),
            SiteEntry.worker_id.is_(None),
            CrewMember.left_on.is_(None),
        )
    )
    return set(alone) | set(with_crew)


def _kept(session: so.Session, entry: SiteEntry, membership_ids: list[int]) -> set[int]:
    if not membership_ids:
        return set()
    events = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == KEEP_ACTION,
            AuditEvent.object_type == "memberships",
            AuditEvent.object_id.in_(membership_ids),
        )
    )
    return {e.object_id for e in events if (e.data or {}).get("site_entry_id") == entry.id}


def affected_members(session: so.Session, entry: SiteEntry) -> list[Membership]:
    """Active members of the project's union who left the site with this exit and still await a decision."""
    union = entry.project.union
    if entry.exited_on is None or union is None:
        return []
    worker_ids = _workers_of(session, entry) - _still_on_site(session, entry.project_id)
    if not worker_ids:
        return []
    members = list(
        session.scalars(
            sa.select(Membership)
            .join(Worker, Membership.worker_id == Worker.id)
            .where(Membership.union_id == union.id, Membership.state == "active", Membership.worker_id.in_(worker_ids))
            .options(so.contains_eager(Membership.worker))
            .order_by(Worker.name, Worker.id)
        )
    )
    kept = _kept(session, entry, [m.id for m in members])
    return [m for m in members if m.id not in kept]


@dataclass
class ExitDecisions:
    entry: SiteEntry
    members: list[Membership]


def pending_exit_decisions(session: so.Session, actor: User, union: Union) -> list[ExitDecisions]:
    """Exits on the union's site whose members still await the officer's decision."""
    permissions.require_visible(actor, union)
    if union.project_id is None or not permissions.can_manage_union(actor, union):
        return []
    entries = session.scalars(
        sa.select(SiteEntry)
        .where(SiteEntry.project_id == union.project_id, SiteEntry.exited_on.is_not(None))
        .order_by(SiteEntry.exited_on.desc(), SiteEntry.id.desc())
    )
    out = []
    for entry in entries:
        members = affected_members(session, entry)
        if members:
            out.append(ExitDecisions(entry, members))
    return out


def decide_after_exit(
    session: so.Session,
    actor: User,
    entry: SiteEntry,
    decisions: dict[int, dict[str, Any]],
    on: dt.date | None = None,
) -> dict[str, int]:
    """Keep, transfer or end each affected membership, all in one transaction.

    ``decisions`` maps a membership id to ``{"action": "keep"|"transfer"|"end",
    "to_union_id": ..., "reason": ...}``; memberships not named stay waiting.
    """
    union = entry.project.union
    permissions.require(permissions.can_view_entry(actor, entry), private=True)
    permissions.require(union is not None and permissions.can_manage_union(actor, union))
    on = on or today()
    if on > today():
        raise ValidationError({"on": _l("The date cannot be in the future.")})
    affected = {m.id: m for m in affected_members(session, entry)}
    errors: dict[str, Any] = {}
    plan: list[tuple[Membership, str, dict[str, Any]]] = []
    for membership_id, decision in decisions.items():
        m = affected.get(int(membership_id))
        key = f"decision-{membership_id}"
        if m is None:
            errors[key] = _l("Membership %(id)s is not waiting for a decision here.", id=membership_id)
            continue
        action = decision.get("action")
        if action == "keep":
            plan.append((m, action, {}))
        elif action == "end":
            reason = decision.get("reason") or "left_site"
            if reason not in END_REASONS:
                errors[key] = _l("Choose why the membership ends.")
            plan.append((m, action, {"reason": reason}))
        elif action == "transfer":
            to_union = session.get(Union, int(decision.get("to_union_id") or 0))
            if to_union is None or not permissions.can_view_union(actor, to_union):
                errors[key] = _l("Choose the union the member moves to.")
            else:
                plan.append((m, action, {"to_union_id": to_union.id}))
        else:
            errors[key] = _l("Choose keep, transfer or end.")
    if errors:
        raise ValidationError(errors)
    counts = {"keep": 0, "transfer": 0, "end": 0}
    with unit_of_work(session):
        for m, action, data in plan:
            if action == "keep":
                audit(session, actor, KEEP_ACTION, m, site_entry_id=entry.id, on=on)
            else:
                lifecycle.fire_unchecked(session, actor, m, action, on=on, site_entry_id=entry.id, **data)
            counts[action] += 1
    session.expire_all()
    return counts


def transfer_destinations(session: so.Session, actor: User, union: Union) -> list[Union]:
    """Unions open for members that the actor can see, standing unions first."""
    unions = session.scalars(
        sa.select(Union)
        .where(Union.state.in_(ENROLLMENT_OPEN), Union.id != union.id)
        .order_by(Union.kind == "project", Union.name)
    )
    return [u for u in unions if permissions.can_view_union(actor, u)]
