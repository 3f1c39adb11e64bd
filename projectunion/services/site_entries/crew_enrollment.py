"""Enrolling the workers of a crew on the site, as the officer records who agreed."""

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
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN
from projectunion.models import Crew, Membership, Project, Union, User, Worker
from projectunion.services import crews as crew_service
from projectunion.services.contractors import chunks
from projectunion.services.memberships import _pending_application
from projectunion.services.site_entries.entries import crew_on_site
from projectunion.services.transaction import unit_of_work

CREW_CONSENTS = ("paper", "qr")


@dataclass(frozen=True)
class Candidate:
    """A current crew member and where they stand with the site's union."""

    worker: Worker
    status: str  # member_here | active_elsewhere | applied_here | none
    elsewhere: str | None = None  # the union they are active in, when not this one
    pending_id: int | None = None  # their pending application here


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
            membership = _pending_application(
                session,
                actor,
                candidates[worker_id].worker,
                union,
                joined_on,
                source="crew",
                consent=consent,
                contractor_id=crew.contractor_id,
                crew_id=crew.id,
            )
            lifecycle.fire_unchecked(
                session, actor, membership, "approve", on=joined_on, transfer=worker_id in transfer_ids
            )
            enrolled.append(membership)
    return enrolled
