"""Crews (班组): a contractor's teams, their leaders and their members over time.

A crew member row is a period (joined_on, left_on) that is never rewritten:
leaving closes the row, coming back opens a new one. Being in a crew says
nothing about union membership.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import Conflict, ValidationError
from projectunion.i18n import _l
from projectunion.models import Contractor, Crew, CrewMember, User, Worker

# services.rosters still asks these here; the rules themselves live in permissions.
from projectunion.permissions import can_manage_crew, can_view_crew  # noqa: F401
from projectunion.realname import RealNameError, check_min_age
from projectunion.services import workers
from projectunion.services.transaction import audit, unit_of_work

CREW_NAME_MAX = 100


def get_crew(session: so.Session, actor: User, crew_id: int) -> Crew:
    """The crew, or 404 when it does not exist or belongs to a company outside the user's scope."""
    crew = session.get(Crew, crew_id)
    permissions.require(crew is not None and permissions.can_view_crew(actor, crew), private=True)
    return crew


def require_manage(actor: User, crew: Crew) -> None:
    permissions.require(permissions.can_view_crew(actor, crew), private=True)
    permissions.require(permissions.can_manage_crew(actor, crew))


def require_open(crew: Crew) -> None:
    if crew.state != "open":
        raise Conflict(_l("The crew “%(crew)s” is closed and can no longer be changed.", crew=crew.name))


def _clean_name(session: so.Session, contractor_id: int, raw: Any, crew_id: int | None = None) -> str:
    name = " ".join(str(raw or "").split())
    if not name or len(name) > CREW_NAME_MAX:
        raise ValidationError({"name": _l("Enter the crew's name (at most %(n)d characters).", n=CREW_NAME_MAX)})
    taken = session.scalar(sa.select(Crew.id).where(Crew.contractor_id == contractor_id, Crew.name == name))
    if taken is not None and taken != crew_id:
        raise ValidationError({"name": _l("This company already has a crew with this name.")})
    return name


def _min_member_age() -> int:
    return current_app.config["MIN_MEMBER_AGE"] if has_app_context() else 16


def _past_date(value: dt.date | None, field: str) -> dt.date:
    value = value or today()
    if value > today():
        raise ValidationError({field: _l("The date cannot be in the future.")})
    return value


def create_crew(
    session: so.Session, actor: User, contractor: Contractor, *, name: Any, created_on: dt.date | None = None
) -> Crew:
    permissions.require(permissions.can_view_contractor(actor, contractor), private=True)
    permissions.require(permissions.can_manage_contractor(actor, contractor))
    clean = _clean_name(session, contractor.id, name)
    created_on = _past_date(created_on, "created_on")
    with unit_of_work(session):
        crew = Crew(contractor=contractor, name=clean, state="open", created_on=created_on)
        session.add(crew)
        lifecycle.record_creation(session, "crew", crew, lifecycle.context(session, actor, created_on))
        audit(session, actor, "create_crew", crew, contractor_id=contractor.id, name=clean)
    return crew


def rename_crew(session: so.Session, actor: User, crew: Crew, name: Any) -> Crew:
    require_manage(actor, crew)
    require_open(crew)
    clean = _clean_name(session, crew.contractor_id, name, crew.id)
    if clean == crew.name:
        return crew
    with unit_of_work(session):
        old, crew.name = crew.name, clean
        audit(session, actor, "rename_crew", crew, old=old, new=clean)
    return crew


def current_members(session: so.Session, crew: Crew) -> list[CrewMember]:
    return list(
        session.scalars(
            sa.select(CrewMember)
            .join(Worker, CrewMember.worker_id == Worker.id)
            .where(CrewMember.crew_id == crew.id, CrewMember.left_on.is_(None))
            .options(so.contains_eager(CrewMember.worker))
            .order_by(Worker.name, Worker.id)
        )
    )


def member_history(session: so.Session, crew: Crew) -> list[CrewMember]:
    """Every period anyone spent in the crew, newest first."""
    return list(
        session.scalars(
            sa.select(CrewMember)
            .where(CrewMember.crew_id == crew.id)
            .options(so.joinedload(CrewMember.worker))
            .order_by(CrewMember.joined_on.desc(), CrewMember.id.desc())
        )
    )


def current_member(session: so.Session, crew: Crew, worker_id: int) -> CrewMember | None:
    return session.scalars(
        sa.select(CrewMember).where(
            CrewMember.crew_id == crew.id, CrewMember.worker_id == worker_id, CrewMember.left_on.is_(None)
        )
    ).first()


def set_leader(session: so.Session, actor: User, crew: Crew, worker_id: int | None) -> Crew:
    """The leader is one of the crew's current members (or nobody)."""
    require_manage(actor, crew)
    require_open(crew)
    if worker_id is not None and current_member(session, crew, worker_id) is None:
        raise ValidationError({"leader_worker_id": _l("The leader must be a current member of the crew.")})
    if worker_id == crew.leader_worker_id:
        return crew
    with unit_of_work(session):
        crew.leader_worker_id = worker_id
        audit(session, actor, "set_crew_leader", crew, worker_id=worker_id)
    session.refresh(crew)
    return crew


def add_member(
    session: so.Session,
    actor: User,
    crew: Crew,
    *,
    id_number: Any,
    name: Any,
    phone: Any = None,
    trade: str | None = None,
    joined_on: dt.date | None = None,
) -> CrewMember:
    """One worker joins the crew (the roster import does the same for many at once)."""
    require_manage(actor, crew)
    require_open(crew)
    joined_on = _past_date(joined_on, "joined_on")
    resident, clean_name, clean_phone = workers.validate_person(id_number, name, phone)
    try:
        check_min_age(resident, joined_on, _min_member_age())
    except RealNameError as exc:
        raise ValidationError({"id_number": exc.message}) from None
    trade = (trade or "").strip() or None
    if trade and len(trade) > 50:
        raise ValidationError({"trade": _l("The trade has at most 50 characters.")})
    with unit_of_work(session):
        worker = workers.find_or_create(session, resident, clean_name, clean_phone, trade, shared_contact=False)
        if current_member(session, crew, worker.id) is not None:
            raise ValidationError({"id_number": _l("This worker is already in the crew.")})
        member = CrewMember(crew=crew, worker=worker, joined_on=joined_on, phone=clean_phone, trade=trade)
        session.add(member)
        session.flush()
        audit(session, actor, "add_crew_member", member, crew_id=crew.id, worker_id=worker.id)
    return member


def remove_member(session: so.Session, actor: User, member: CrewMember, left_on: dt.date | None = None) -> CrewMember:
    """Record that a worker left the crew; the period is closed, not deleted."""
    crew = member.crew
    require_manage(actor, crew)
    if member.left_on is not None:
        raise Conflict(_l("This worker already left the crew on %(date)s.", date=member.left_on.isoformat()))
    left_on = _past_date(left_on, "left_on")
    if left_on < member.joined_on:
        raise ValidationError({"left_on": _l("A worker cannot leave before joining.")})
    with unit_of_work(session):
        member.left_on = left_on
        if crew.leader_worker_id == member.worker_id:
            crew.leader_worker_id = None
        audit(session, actor, "remove_crew_member", member, crew_id=crew.id, worker_id=member.worker_id)
    return member


def close_crew(session: so.Session, actor: User, crew: Crew, on: dt.date | None = None) -> Crew:
    """Close a crew that is on no site; its current members leave on that day (the crew machine)."""
    require_manage(actor, crew)
    require_open(crew)
    on = _past_date(on, "on")
    with unit_of_work(session):
        lifecycle.fire_unchecked(session, actor, crew, "close", on=on)
        audit(session, actor, "close_crew", crew, on=on)
    session.expire_all()
    return crew


def crews_of(session: so.Session, actor: User, contractor: Contractor) -> list[Crew]:
    permissions.require(permissions.can_view_contractor(actor, contractor), private=True)
    return list(
        session.scalars(
            sa.select(Crew).where(Crew.contractor_id == contractor.id).order_by(Crew.state.desc(), Crew.name)
        )
    )


def member_counts(session: so.Session, crew_ids: list[int]) -> dict[int, int]:
    if not crew_ids:
        return {}
    return dict(
        session.execute(
            sa.select(CrewMember.crew_id, sa.func.count())
            .where(CrewMember.crew_id.in_(crew_ids), CrewMember.left_on.is_(None))
            .group_by(CrewMember.crew_id)
        ).all()
    )
