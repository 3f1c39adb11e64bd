"""A person's data report: every row held about one worker, to answer an access request.

Found by the ID number (through the keyed digest, so the number is never
searched in clear). The report names each table and gives its rows as stored,
except that the encrypted number is given decrypted and the digest is left
out (a keyed hash means nothing to the person). Every report is audited,
whether the number was found or not; the audit row does not carry the number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import NotFound, ValidationError
from projectunion.models import (
    AuditEvent,
    Contractor,
    Crew,
    CrewMember,
    Membership,
    ServiceRecord,
    SiteEntry,
    StateChange,
    Union,
    WageCase,
    Worker,
)
from projectunion.models.survey import SurveyDecline
from projectunion.models.wage_cases import wage_case_workers
from projectunion.protection import protector
from projectunion.realname import RealNameError, parse_id_number
from projectunion.services.transaction import audit, unit_of_work
from projectunion.services.workers import find_by_id_number

#: The sections of a report, in the order they are shown.
SECTIONS = (
    "worker",
    "memberships",
    "membership_history",
    "crews_led",
    "crew_memberships",
    "site_entries",
    "service_records",
    "wage_cases",
    "survey_declines",
    "audit_events",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _rows(session: so.Session, select: sa.Select) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in session.execute(select)]


def _columns(model, *leave_out: str) -> list[sa.Column]:
    return [c for c in model.__table__.columns if c.name not in leave_out]


def collect(session: so.Session, worker: Worker) -> dict[str, list[dict[str, Any]]]:
    """Every row about ``worker``, by section."""
    person = {
        "id_number": protector().decrypt(worker.id_encrypted) if worker.id_encrypted else None,
        "phone": worker.phone,  # stored encrypted, given in clear to the person it is about
    }
    stored_protected = ("id_digest", "id_encrypted", "phone_digest", "phone_encrypted")
    person.update({c.name: _plain(getattr(worker, c.key)) for c in _columns(Worker, *stored_protected)})
    membership_ids = sa.select(Membership.id).where(Membership.worker_id == worker.id).scalar_subquery()
    wage_case_ids = sa.select(wage_case_workers.c.wage_case_id).where(wage_case_workers.c.worker_id == worker.id)
    return {
        "worker": [person],
        "memberships": _rows(
            session,
            sa.select(*_columns(Membership), Union.name.label("union_name"))
            .join(Union, Union.id == Membership.union_id)
            .where(Membership.worker_id == worker.id)
            .order_by(Membership.id),
        ),
        "membership_history": _rows(
            session,
            sa.select(*_columns(StateChange, "chain_seq", "chain_hash"))
            .where(StateChange.machine == "membership", StateChange.object_id.in_(membership_ids))
            .order_by(StateChange.id),
        ),
        "crews_led": _rows(
            session, sa.select(Crew.id, Crew.name).where(Crew.leader_worker_id == worker.id).order_by(Crew.id)
        ),
        "crew_memberships": _rows(
            session,
            sa.select(*_columns(CrewMember), Crew.name.label("crew_name"), Contractor.name.label("contractor_name"))
            .join(Crew, Crew.id == CrewMember.crew_id)
            .join(Contractor, Contractor.id == Crew.contractor_id)
            .where(CrewMember.worker_id == worker.id)
            .order_by(CrewMember.id),
        ),
        "site_entries": _rows(
            session, sa.select(*_columns(SiteEntry)).where(SiteEntry.worker_id == worker.id).order_by(SiteEntry.id)
        ),
        "service_records": _rows(
            session,
            sa.select(*_columns(ServiceRecord)).where(ServiceRecord.worker_id == worker.id).order_by(ServiceRecord.id),
        ),
        "wage_cases": _rows(
            session, sa.select(*_columns(WageCase)).where(WageCase.id.in_(wage_case_ids)).order_by(WageCase.id)
        ),
        "survey_declines": _rows(
            session,
            sa.select(*_columns(SurveyDecline)).where(SurveyDecline.worker_id == worker.id).order_by(SurveyDecline.id),
        ),
        "audit_events": _rows(
            session,
            sa.select(*_columns(AuditEvent, "chain_seq", "chain_hash"))
            .where(AuditEvent.object_type == "workers", AuditEvent.object_id == worker.id)
            .order_by(AuditEvent.id),
        ),
    }


def data_report(session: so.Session, actor, id_number: Any, *, via: str) -> dict[str, Any]:
    """The report for the person with ``id_number``; ``actor`` None is the command line.

    Raises NotFound when nobody with that number is held (audited all the same).
    """
    if actor is not None:
        permissions.require(permissions.can_answer_access_requests(actor))
    try:
        number = parse_id_number(id_number, today=today()).number
    except RealNameError as exc:
        raise ValidationError({"id_number": exc.message}) from None
    worker = find_by_id_number(session, number)
    report = None
    if worker is not None:
        report = {"generated_at": _plain(dt.datetime.now(dt.UTC)), "sections": collect(session, worker)}
    with unit_of_work(session):
        audit(session, actor, "data_report", worker, via=via, found=worker is not None)
    if report is None:
        raise NotFound()
    return report
