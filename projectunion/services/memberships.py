"""Enrollment: an officer enrolls a worker, a worker applies, members end or move."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import (
    AlreadyMember,
    Conflict,
    EnrollmentClosed,
    ValidationError,
)
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN
from projectunion.lifecycle.membership import active_membership
from projectunion.models import Membership, Union, User
from projectunion.services import workers
from projectunion.services.events import fire_checked_and_commit


def _enrollment_open(union: Union) -> None:
    if union.state not in ENROLLMENT_OPEN:
        raise EnrollmentClosed(_l("Enrollment is closed: %(union)s is %(state)s.", union=union.name, state=union.state))


def _conflict_after_race(session: so.Session, id_number: str) -> Exception:
    """Explain a unique-index violation lost to a concurrent enrollment (after the rollback)."""
    worker = workers.find_by_id_number(session, id_number)
    if worker is not None:
        current = active_membership(session, worker.id)
        if current is not None:
            return AlreadyMember(current.union_id, current.union.name, current.id)
    return Conflict(_l("This worker was enrolled by someone else at the same moment; nothing was saved."))


@contextmanager
def _enrollment_transaction(session: so.Session, id_number: str) -> Iterator[None]:
    """Commit once; a unique index lost to a concurrent enrollment becomes a clear 409."""
    try:
        yield
        session.commit()
    except sa_exc.IntegrityError as exc:
        session.rollback()
        raise _conflict_after_race(session, id_number) from exc
    except BaseException:
        session.rollback()
        raise


def _pending_application(
    session: so.Session, actor: User | None, worker, union: Union, on: dt.date, **fields: Any
) -> Membership:
    """The worker's open application to this union, created (with its history row) if there is none."""
    membership = session.scalars(
        sa.select(Membership).where(
            Membership.worker_id == worker.id, Membership.union_id == union.id, Membership.state == "pending"
        )
    ).first()
    if membership is None:
        membership = Membership(worker=worker, union=union, state="pending", applied_on=on, **fields)
        session.add(membership)
        lifecycle.record_creation(session, "membership", membership, lifecycle.context(session, actor, on))
    return membership


def enroll(
    session: so.Session,
    actor: User,
    union: Union,
    *,
    id_number: Any,
    name: Any,
    phone: Any = None,
    trade: str | None = None,
    joined_on: dt.date | None = None,
    transfer: bool = False,
    source: str = "officer",
    consent: str = "paper",
    contractor_id: int | None = None,
    crew_id: int | None = None,
) -> Membership:
    """Enroll a worker as an active member, in one transaction.

    A worker who is active in another union is refused with
    :class:`AlreadyMember` unless ``transfer`` is true; then the old
    membership is transferred and linked to the new one.
    """
    permissions.require_visible(actor, union)
    permissions.require(permissions.can_manage_union(actor, union))
    _enrollment_open(union)
    joined_on = joined_on or today()
    if joined_on > today():
        raise ValidationError({"joined_on": _l("The joining date cannot be in the future.")})
    resident, clean_name, clean_phone = workers.validate_person(id_number, name, phone)
    with _enrollment_transaction(session, resident.number):
        _still_open(session, union)
        worker = workers.find_or_create(session, resident, clean_name, clean_phone, (trade or "").strip() or None)
        membership = _pending_application(
            session,
            actor,
            worker,
            union,
            joined_on,
            source=source,
            consent=consent,
            contractor_id=contractor_id,
            crew_id=crew_id,
        )
        lifecycle.fire_unchecked(session, actor, membership, "approve", on=joined_on, transfer=transfer)
    return membership


_UNION_STATE = sa.select(Union.state).where(Union.id == sa.bindparam("union_id")).with_for_update(read=True)


def _still_open(session: so.Session, union: Union) -> None:
    """The union's state read again in the writing transaction (held there on PostgreSQL): it may have closed."""
    state = session.connection().execute(_UNION_STATE, {"union_id": union.id}).scalar_one()
    if state != union.state:
        so.attributes.set_committed_value(union, "state", state)
    _enrollment_open(union)


def apply(
    session: so.Session,
    union: Union,
    *,
    id_number: Any,
    name: Any,
    phone: Any = None,
    trade: str | None = None,
    wants_transfer: bool = False,
    contractor_id: int | None = None,
    crew_id: int | None = None,
    consent: str = "qr",
    actor: User | None = None,
) -> Membership:
    """A worker's own application (QR code or API): a pending membership.

    Applying again while an application is pending returns the same one.
    """
    _enrollment_open(union)
    on = today()
    resident, clean_name, clean_phone = workers.validate_person(id_number, name, phone)
    with _enrollment_transaction(session, resident.number):
        worker = workers.find_or_create(session, resident, clean_name, clean_phone, (trade or "").strip() or None)
        current = active_membership(session, worker.id)
        if current is not None and current.union_id == union.id:
            raise AlreadyMember(current.union_id, union.name, current.id, _l("You are already a member of this union."))
        if current is not None and not wants_transfer:
            raise AlreadyMember(current.union_id, current.union.name, current.id)
        membership = _pending_application(
            session,
            actor,
            worker,
            union,
            on,
            source="application",
            consent=consent,
            wants_transfer=wants_transfer,
            contractor_id=contractor_id,
            crew_id=crew_id,
            receipt_code=secrets.token_hex(4).upper(),
        )
        membership.wants_transfer = membership.wants_transfer or wants_transfer
    return membership


def decide(
    session: so.Session,
    actor: User,
    membership: Membership,
    approve: bool,
    on: dt.date | None = None,
    reason: str | None = None,
):
    """Approve or reject one pending application; a rejection needs the ``reason`` the worker will read."""
    if approve:
        return fire_checked_and_commit(session, actor, membership, "approve", on=on)
    return fire_checked_and_commit(session, actor, membership, "reject", on=on, reason=reason)


def end_membership(session: so.Session, actor: User, membership: Membership, reason: str, on: dt.date | None = None):
    return fire_checked_and_commit(session, actor, membership, "end", on=on, reason=reason)


def transfer_membership(
    session: so.Session, actor: User, membership: Membership, to_union: Union, on: dt.date | None = None
):
    """Move an active member to another union; the new membership links back to this one."""
    permissions.require_visible(actor, to_union)
    ctx = fire_checked_and_commit(session, actor, membership, "transfer", on=on, to_union_id=to_union.id)
    return session.get(Membership, ctx.data["new_membership_id"])
