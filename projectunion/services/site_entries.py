"""Site entry and exit (进场 / 退场) of crews and single workers, what an exit means for
the union's members, and enrolling the workers of a crew on the site.

A contractor sends its own crews onto any site that is planned or under
construction; union officers and staff record entries and exits on the
projects they manage. When workers leave a site, the project union's
officer decides each affected member's membership (keep, transfer, end)
instead of leaving it silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import Conflict, EnrollmentClosed, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import END_REASONS, ENROLLMENT_OPEN
from projectunion.models import (
    AuditEvent,
    Contractor,
    Crew,
    CrewMember,
    Membership,
    Project,
    SiteEntry,
    Union,
    User,
    Worker,
)
from projectunion.services import crews as crew_service
from projectunion.services.contractors import chunks
from projectunion.services.transaction import audit, unit_of_work

ENTRY_OPEN_STATES = ("planned", "under_construction")
KEEP_ACTION = "keep_after_site_exit"
CREW_CONSENTS = ("paper", "qr")


# --- scope --------------------------------------------------------------------


def can_record_entry(user: User, project: Project, crew: Crew) -> bool:
    """The crew's own company, or whoever manages the project on the union side."""
    if user.role == "contractor":
        return crew_service.can_manage_crew(user, crew)
    return permissions.can_manage_project(user, project)


def can_view_entry(user: User, entry: SiteEntry) -> bool:
    if user.role == "contractor":
        return entry.crew is not None and crew_service.can_manage_crew(user, entry.crew)
    return permissions.can_view_project(user, entry.project)


def get_entry(session: so.Session, actor: User, entry_id: int) -> SiteEntry:
    entry = session.get(SiteEntry, entry_id)
    permissions.require(entry is not None and can_view_entry(actor, entry), private=True)
    return entry


def _has_own_entry(session: so.Session, actor: User, project: Project) -> bool:
    return bool(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(SiteEntry)
            .join(Crew, SiteEntry.crew_id == Crew.id)
            .where(SiteEntry.project_id == project.id, Crew.contractor_id == actor.contractor_id)
        )
    )


def get_project(session: so.Session, actor: User, project_id: int) -> Project:
    """A project for the site pages: visible on the union side; for a contractor,
    a site open for entry or one its crews have been on."""
    project = session.get(Project, project_id)
    visible = project is not None and (
        permissions.can_view_project(actor, project)
        or (
            actor.role == "contractor"
            and (project.state in ENTRY_OPEN_STATES or _has_own_entry(session, actor, project))
        )
    )
    permissions.require(visible, private=True)
    return project


@dataclass(frozen=True)
class SiteRow:
    project: Project
    crews_on_site: int


def site_list(session: so.Session, actor: User) -> list[SiteRow]:
    """Sites for the user: the union side's projects in scope that are not finished or that
    still have someone on site; a contractor's, where its crews are or were."""
    on_site = (
        sa.select(SiteEntry.project_id, sa.func.count().label("n"))
        .where(SiteEntry.exited_on.is_(None))
        .group_by(SiteEntry.project_id)
        .subquery()
    )
    query = (
        sa.select(Project, sa.func.coalesce(on_site.c.n, 0))
        .outerjoin(on_site, on_site.c.project_id == Project.id)
        .order_by(Project.name, Project.id)
    )
    if actor.role == "contractor":
        query = query.where(
            Project.id.in_(
                sa.select(SiteEntry.project_id)
                .join(Crew, SiteEntry.crew_id == Crew.id)
                .where(Crew.contractor_id == actor.contractor_id)
            )
        )
        return [SiteRow(p, n) for p, n in session.execute(query)]
    query = query.where(sa.or_(Project.state.in_(ENTRY_OPEN_STATES + ("halted",)), on_site.c.n > 0))
    return [SiteRow(p, n) for p, n in session.execute(query) if permissions.can_view_project(actor, p)]


def crews_to_send(session: so.Session) -> list[Crew]:
    """Open crews of every company, for a union officer recording an entry."""
    return list(
        session.scalars(
            sa.select(Crew)
            .join(Crew.contractor)
            .where(Crew.state == "open")
            .options(so.contains_eager(Crew.contractor))
            .order_by(Contractor.name, Crew.name)
        )
    )


def sites_open_for_entry(session: so.Session, actor: User) -> list[Project]:
    """Projects a crew can be sent onto: planned or under construction (and managed, on the union side)."""
    projects = session.scalars(
        sa.select(Project).where(Project.state.in_(ENTRY_OPEN_STATES)).order_by(Project.name, Project.id)
    ).all()
    if actor.role in ("contractor", "admin"):
        return list(projects)
    return [p for p in projects if permissions.can_manage_project(actor, p)]


def entries_for_project(session: so.Session, actor: User, project: Project) -> list[SiteEntry]:
    """The project's entries the user may see: all on the union side, their own crews' for a contractor."""
    query = (
        sa.select(SiteEntry)
        .where(SiteEntry.project_id == project.id)
        .options(so.joinedload(SiteEntry.crew).joinedload(Crew.contractor), so.joinedload(SiteEntry.worker))
        .order_by(SiteEntry.exited_on.is_not(None), SiteEntry.entered_on.desc(), SiteEntry.id.desc())
    )
    if actor.role == "contractor":
        query = query.join(Crew, SiteEntry.crew_id == Crew.id).where(Crew.contractor_id == actor.contractor_id)
    elif not permissions.can_view_project(actor, project):
        return []
    return list(session.scalars(query).unique())


def entries_for_crew(session: so.Session, actor: User, crew: Crew) -> list[SiteEntry]:
    permissions.require(crew_service.can_view_crew(actor, crew), private=True)
    entries = session.scalars(
        sa.select(SiteEntry)
        .where(SiteEntry.crew_id == crew.id)
        .options(so.joinedload(SiteEntry.worker))
        .order_by(SiteEntry.entered_on.desc(), SiteEntry.id.desc())
    ).all()
    if actor.role == "contractor":
        return list(entries)
    return [e for e in entries if permissions.can_view_project(actor, e.project)]


# --- entry and exit ---------------------------------------------------------


def _open_entries(session: so.Session, project_id: int):
    return sa.select(SiteEntry).where(SiteEntry.project_id == project_id, SiteEntry.exited_on.is_(None))


def enter_site(
    session: so.Session,
    actor: User,
    project: Project,
    *,
    crew: Crew,
    worker: Worker | None = None,
    entered_on: dt.date | None = None,
) -> SiteEntry:
    """A crew (or one of its current members alone) enters the project's site."""
    permissions.require(crew_service.can_view_crew(actor, crew), private=True)
    permissions.require(can_record_entry(actor, project, crew))
    crew_service.require_open(crew)
    if project.state not in ENTRY_OPEN_STATES:
        raise Conflict(
            _l(
                "Crews can only enter a site that is planned or under construction (this one is %(state)s).",
                state=project.state,
            )
        )
    entered_on = entered_on or today()
    if entered_on > today():
        raise ValidationError({"entered_on": _l("The date cannot be in the future.")})
    if entered_on < crew.created_on:
        raise ValidationError({"entered_on": _l("The crew did not exist yet on this date.")})
    crew_on_site = session.scalars(
        _open_entries(session, project.id).where(SiteEntry.crew_id == crew.id, SiteEntry.worker_id.is_(None))
    ).first()
    if crew_on_site is not None:
        raise Conflict(
            _l(
                "The crew “%(crew)s” has been on this site since %(date)s.",
                crew=crew.name,
                date=crew_on_site.entered_on.isoformat(),
            )
        )
    if worker is not None:
        if crew_service.current_member(session, crew, worker.id) is None:
            raise ValidationError({"worker_id": _l("The worker must be a current member of the crew.")})
        alone = session.scalars(_open_entries(session, project.id).where(SiteEntry.worker_id == worker.id)).first()
        if alone is not None:
            raise Conflict(_l("This worker has been on this site since %(date)s.", date=alone.entered_on.isoformat()))
    with unit_of_work(session):
        entry = SiteEntry(project=project, crew=crew, worker=worker, entered_on=entered_on)
        session.add(entry)
        session.flush()
        audit(
            session,
            actor,
            "enter_site",
            entry,
            project_id=project.id,
            crew_id=crew.id,
            worker_id=getattr(worker, "id", None),
            on=entered_on,
        )
    return entry


def exit_site(session: so.Session, actor: User, entry: SiteEntry, exited_on: dt.date | None = None) -> SiteEntry:
    """Record the exit; the members it affects then wait for the officer's decision."""
    permissions.require(can_view_entry(actor, entry), private=True)
    permissions.require(can_record_entry(actor, entry.project, entry.crew))
    if entry.exited_on is not None:
        raise Conflict(_l("This exit was already recorded on %(date)s.", date=entry.exited_on.isoformat()))
    exited_on = exited_on or today()
    if exited_on > today():
        raise ValidationError({"exited_on": _l("The date cannot be in the future.")})
    if exited_on < entry.entered_on:
        raise ValidationError(
            {"exited_on": _l("The exit cannot be before the entry (%(date)s).", date=entry.entered_on.isoformat())}
        )
    with unit_of_work(session):
        entry.exited_on = exited_on
        audit(session, actor, "exit_site", entry, on=exited_on)
    return entry


# --- memberships affected by an exit ----------------------------------------


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
    permissions.require(can_view_entry(actor, entry), private=True)
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
                lifecycle.fire(session, actor, m, action, on=on, site_entry_id=entry.id, **data)
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


# --- enrolling a crew on the site -------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A current crew member and where they stand with the site's union."""

    worker: Worker
    status: str  # member_here | active_elsewhere | applied_here | none
    elsewhere: str | None = None  # the union they are active in, when not this one
    pending_id: int | None = None  # their pending application here


def crew_on_site(session: so.Session, project: Project, crew: Crew) -> SiteEntry | None:
    return session.scalars(
        _open_entries(session, project.id).where(SiteEntry.crew_id == crew.id, SiteEntry.worker_id.is_(None))
    ).first()


def _require_enrolling(session: so.Session, actor: User, project: Project, crew: Crew) -> Union:
    union = project.union
    permissions.require(permissions.can_view_project(actor, project), private=True)
    permissions.require(union is not None and permissions.can_manage_union(actor, union))
    if crew_on_site(session, project, crew) is None:
        raise Conflict(_l("The crew “%(crew)s” is not on this site.", crew=crew.name))
    return union


def enrollment_candidates(session: so.Session, actor: User, project: Project, crew: Crew) -> list[Candidate]:
    union = _require_enrolling(session, actor, project, crew)
    members = crew_service.current_members(session, crew)
    active: dict[int, tuple[int, str]] = {}
    pending: dict[int, int] = {}
    for chunk in chunks([m.worker_id for m in members]):
        for m, union_name in session.execute(
            sa.select(Membership, Union.name)
            .join(Union, Membership.union_id == Union.id)
            .where(Membership.worker_id.in_(chunk), Membership.state.in_(("active", "pending")))
        ):
            if m.state == "active":
                active[m.worker_id] = (m.union_id, union_name)
            elif m.union_id == union.id:
                pending[m.worker_id] = m.id
    out = []
    for member in members:
        worker_id = member.worker_id
        union_id, union_name = active.get(worker_id, (None, None))
        if union_id == union.id:
            status = "member_here"
        elif union_id is not None:
            status = "active_elsewhere"
        elif worker_id in pending:
            status = "applied_here"
        else:
            status = "none"
        out.append(
            Candidate(
                member.worker, status, union_name if status == "active_elsewhere" else None, pending.get(worker_id)
            )
        )
    return out


def enroll_from_crew(
    session: so.Session,
    actor: User,
    project: Project,
    crew: Crew,
    *,
    worker_ids: list[int],
    transfer_ids: list[int] | tuple[int, ...] = (),
    consent: str = "paper",
    joined_on: dt.date | None = None,
) -> list[Membership]:
    """Enroll the crew members who agreed, in one transaction.

    A pending application of theirs is approved; workers active in another
    union are moved only when listed in ``transfer_ids``.
    """
    union = _require_enrolling(session, actor, project, crew)
    if union.state not in ENROLLMENT_OPEN:
        raise EnrollmentClosed(_l("Enrollment is closed: %(union)s is %(state)s.", union=union.name, state=union.state))
    if consent not in CREW_CONSENTS:
        raise ValidationError({"consent": _l("Say how the workers agreed: on a paper form or by the QR code.")})
    joined_on = joined_on or today()
    if joined_on > today():
        raise ValidationError({"joined_on": _l("The joining date cannot be in the future.")})
    if not worker_ids:
        raise ValidationError({"worker_ids": _l("Tick the workers who agreed to join.")})
    candidates = {c.worker.id: c for c in enrollment_candidates(session, actor, project, crew)}
    errors: dict[str, Any] = {}
    for worker_id in worker_ids:
        c = candidates.get(worker_id)
        key = f"worker-{worker_id}"
        if c is None:
            errors[key] = _l("Worker %(id)s is not a current member of the crew.", id=worker_id)
        elif c.status == "member_here":
            errors[key] = _l("%(name)s is already a member of this union.", name=c.worker.name)
        elif c.status == "active_elsewhere" and worker_id not in transfer_ids:
            errors[key] = _l(
                "%(name)s is an active member of %(union)s: tick “transfer” to move the membership here.",
                name=c.worker.name,
                union=c.elsewhere,
            )
    if errors:
        raise ValidationError(errors, _l("Nobody was enrolled: correct the marked workers."))
    enrolled = []
    with unit_of_work(session):
        for worker_id in dict.fromkeys(worker_ids):
            c = candidates[worker_id]
            if c.pending_id is not None:
                membership = session.get(Membership, c.pending_id)
            else:
                membership = Membership(
                    worker_id=worker_id,
                    union_id=union.id,
                    state="pending",
                    applied_on=joined_on,
                    source="crew",
                    consent=consent,
                    contractor_id=crew.contractor_id,
                    crew_id=crew.id,
                )
                session.add(membership)
                lifecycle.record_creation(
                    session, "membership", membership, lifecycle.context(session, actor, joined_on, crew_id=crew.id)
                )
            lifecycle.fire(session, actor, membership, "approve", on=joined_on, transfer=worker_id in transfer_ids)
            enrolled.append(membership)
    return enrolled
