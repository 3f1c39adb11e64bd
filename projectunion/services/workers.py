"""Real-name workers: one row per person, found by the keyed digest of the ID number."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import Anonymised, ValidationError
from projectunion.i18n import _l
from projectunion.models import Worker
from projectunion.protection import protector
from projectunion.realname import (
    RealNameError,
    ResidentId,
    normalize_name,
    normalize_phone,
    parse_id_number,
)
from projectunion.services import retention
from projectunion.services.transaction import audit, unit_of_work


def validate_person(id_number: Any, name: Any, phone: Any = None, *, on: dt.date | None = None):
    """Validate the real-name fields together; report every bad field at once."""
    errors: dict[str, Any] = {}
    resident = clean_name = clean_phone = None
    try:
        resident = parse_id_number(id_number, today=on or today())
    except RealNameError as exc:
        errors["id_number"] = exc.message
    try:
        clean_name = normalize_name(name)
    except RealNameError as exc:
        errors["name"] = exc.message
    try:
        clean_phone = normalize_phone(phone)
    except RealNameError as exc:
        errors["phone"] = exc.message
    if errors:
        raise ValidationError(errors)
    return resident, clean_name, clean_phone


_BY_DIGEST = sa.select(Worker).where(Worker.id_digest == sa.bindparam("digest"))


def find_by_id_number(session: so.Session, number: str) -> Worker | None:
    return session.scalars(_BY_DIGEST, {"digest": protector().digest(number)}).first()


def known_worker(
    session: so.Session,
    resident: ResidentId,
    name: str,
    phone: str | None = None,
    trade: str | None = None,
    *,
    shared_contact: bool = True,
) -> Worker | None:
    """The worker with this ID number, with the new phone and trade; None if never seen.

    Refuses a different name for the same number, unless the stored name came only from an
    anonymous QR application (an unconfirmed worker): a signed-in user's record confirms it.
    """
    worker = find_by_id_number(session, resident.number)
    if worker is None:
        return None
    if not worker.confirmed:
        worker.name = name
        worker.confirmed = True
    elif worker.name != name:
        raise ValidationError(
            {"name": _l("This ID number is registered under another name (%(masked)s).", masked=mask_name(worker.name))}
        )
    if not shared_contact:  # a contractor's record: the crew keeps its own phone and trade
        return worker
    if phone:
        worker.phone = phone
    if trade:
        worker.trade = trade
    return worker


def new_worker(resident: ResidentId, name: str, phone: str | None = None, trade: str | None = None) -> Worker:
    """A worker seen for the first time, not yet in the session."""
    p = protector()
    return Worker(
        id_digest=p.digest(resident.number),
        id_encrypted=p.encrypt(resident.number),
        id_masked=resident.masked,
        id_last4=resident.number[-4:],
        name=name,
        phone=phone,
        trade=trade or None,
        birth_date=resident.birth_date,
        gender=resident.gender,
        region_code=resident.region_code,
        origin_province_code=resident.province_code,
    )


def find_or_create(
    session: so.Session,
    resident: ResidentId,
    name: str,
    phone: str | None = None,
    trade: str | None = None,
    *,
    shared_contact: bool = True,
) -> Worker:
    """The worker with this ID number, created once; refuses a different name for the same number.

    ``shared_contact=False`` (a contractor's crew record) leaves a known worker's phone and trade alone.
    """
    worker = known_worker(session, resident, name, phone, trade, shared_contact=shared_contact)
    if worker is None:
        worker = new_worker(resident, name, phone, trade)
        session.add(worker)
        session.flush()
    return worker


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def reveal_id_number(session: so.Session, actor, worker: Worker, reason: str = "") -> str:
    """The full ID number, for those allowed; every reveal is audited. An anonymised person's number
    is no longer held: refused with the day it was anonymised, and nothing is recorded as revealed."""
    permissions.require_visible(actor, worker, session)
    permissions.require(permissions.can_reveal_id(actor, worker, session))
    if retention.is_anonymised(worker) or not worker.id_encrypted:
        raise Anonymised(retention.anonymised_on(session, worker))
    with unit_of_work(session):
        audit(session, actor, "reveal_id_number", worker, reason=reason)
    return protector().decrypt(worker.id_encrypted)


def update_contact(
    session: so.Session, actor, worker: Worker, *, phone: Any = None, trade: str | None = None
) -> Worker:
    permissions.require_visible(actor, worker, session)
    permissions.require(permissions.can_edit_workers(actor, worker, session))
    try:
        clean_phone = normalize_phone(phone)
    except RealNameError as exc:
        raise ValidationError({"phone": exc.message}) from None
    with unit_of_work(session):
        worker.phone = clean_phone
        worker.trade = (trade or "").strip() or None
        audit(session, actor, "update_worker", worker, phone_changed=phone is not None)
    return worker
