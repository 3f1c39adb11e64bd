"""The services side: wage-arrears cases and service records."""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.api.common import event_data, get_or_404, history_operation, union_ref
from projectunion.api.core import operation
from projectunion.api.schema import Choice, Date, Field, Id, List, Money, Shape, Text
from projectunion.db import get_session
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import WAGE_CASE as WAGE_CASE_MACHINE
from projectunion.models import ServiceRecord, User, WageCase, Worker
from projectunion.models.service_records import SERVICE_KINDS
from projectunion.services import service_records, wage_cases
from projectunion.services.events import fire_event

WAGE_CASE = Shape(
    "WageCase",
    {
        "id": Field(Id()),
        "union_id": Field(Id()),
        "contractor_id": Field(Id(), nullable=True),
        "state": Field(Choice(WAGE_CASE_MACHINE.states)),
        "summary": Field(Text(max_length=500, multiline=True)),
        "opened_on": Field(Date()),
        "resolved_on": Field(Date(), nullable=True),
        "amount_claimed": Field(Money()),
        "amount_recovered": Field(Money()),
        "worker_ids": Field(List(Id())),
        "allowed_events": Field(List(Choice(WAGE_CASE_MACHINE.events()))),
    },
    description=_l("A wage-arrears case (欠薪); an open case blocks its union's dissolution."),
)

WAGE_CASE_CREATE = Shape(
    "WageCaseCreate",
    {
        "union_id": Field(Id()),
        "summary": Field(Text(max_length=500, multiline=True)),
        "amount_claimed": Field(Money()),
        "worker_ids": Field(List(Id(), max_items=1000, unique=True), description=_l("The workers owed wages.")),
        "contractor_id": Field(Id(), required=False, nullable=True),
        "opened_on": Field(Date(), required=False, nullable=True, description=_l("Default today.")),
    },
)

WAGE_CASE_EVENT = Shape(
    "WageCaseEvent",
    {
        "event": Field(Choice(WAGE_CASE_MACHINE.events())),
        "on": Field(Date(), required=False, nullable=True, description=_l("When it happened; default today.")),
        "amount_recovered": Field(Money(), required=False, nullable=True, description=_l("For `resolve`.")),
    },
)

SERVICE_RECORD = Shape(
    "ServiceRecord",
    {
        "id": Field(Id()),
        "kind": Field(Choice(SERVICE_KINDS)),
        "worker_id": Field(Id()),
        "union_id": Field(Id()),
        "served_on": Field(Date()),
        "amount": Field(Money()),
        "note": Field(Text(max_length=500, multiline=True), nullable=True),
    },
    description=_l("One service given to one worker: training, hardship aid, student aid, legal aid, a visit."),
)

SERVICE_RECORD_CREATE = Shape(
    "ServiceRecordCreate",
    {
        "union_id": Field(Id()),
        "worker_id": Field(Id()),
        "kind": Field(Choice(SERVICE_KINDS)),
        "served_on": Field(Date(), required=False, nullable=True, description=_l("Default today.")),
        "amount": Field(Money(), required=False, nullable=True, description=_l("Yuan given, if any.")),
        "note": Field(Text(min_length=0, max_length=500, multiline=True), required=False, nullable=True),
    },
)


def wage_case_out(case: WageCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "union_id": case.union_id,
        "contractor_id": case.contractor_id,
        "state": case.state,
        "summary": case.summary,
        "opened_on": case.opened_on,
        "resolved_on": case.resolved_on,
        "amount_claimed": case.amount_claimed,
        "amount_recovered": case.amount_recovered,
        "worker_ids": sorted(w.id for w in case.workers),
        "allowed_events": lifecycle.allowed_events(case),
    }


def _visible_case(session: so.Session, actor: User, case_id: int) -> WageCase:
    case = get_or_404(WageCase, case_id)
    permissions.require_visible(actor, case.union)
    return case


def _worker_refs(session: so.Session, actor: User, ids: list[int], field: str) -> None:
    """Workers named in a body must be within the user's scope (else they look unknown)."""
    for worker_id in ids:
        worker = session.get(Worker, worker_id)
        if worker is None or not permissions.can_view_worker(session, actor, worker):
            raise ValidationError({field: _l("There is no such worker within your scope (id %(id)s).", id=worker_id)})


@operation(
    "POST",
    "/wage-cases",
    tag="services",
    summary=_l("Open a wage-arrears case"),
    body=WAGE_CASE_CREATE,
    response=WAGE_CASE,
    status=201,
    errors=(403,),
)
def create_wage_case(actor: User, body: dict[str, Any]):
    session = get_session()
    union = union_ref(actor, body["union_id"], "union_id")
    _worker_refs(session, actor, body["worker_ids"], "worker_ids")
    case = wage_cases.open_wage_case(
        session,
        actor,
        union,
        summary=body["summary"],
        amount_claimed=body["amount_claimed"],
        worker_ids=body["worker_ids"],
        contractor_id=body["contractor_id"],
        opened_on=body["opened_on"],
    )
    return wage_case_out(case)


@operation("GET", "/wage-cases/{case_id}", tag="services", summary=_l("One wage-arrears case"), response=WAGE_CASE)
def get_wage_case(actor: User, case_id: int):
    return wage_case_out(_visible_case(get_session(), actor, case_id))


@operation(
    "POST",
    "/wage-cases/{case_id}/events",
    tag="services",
    summary=_l("Fire a case event: mediate, escalate, resolve"),
    body=WAGE_CASE_EVENT,
    response=WAGE_CASE,
    errors=(403, 409),
)
def wage_case_event(actor: User, case_id: int, body: dict[str, Any]):
    session = get_session()
    case = _visible_case(session, actor, case_id)
    fire_event(
        session, actor, case, body["event"], on=body["on"], **event_data(amount_recovered=body["amount_recovered"])
    )
    return wage_case_out(case)


history_operation("/wage-cases/{case_id}", "services", "wage_case", _visible_case)


@operation(
    "POST",
    "/service-records",
    tag="services",
    summary=_l("Record a service given to a worker"),
    body=SERVICE_RECORD_CREATE,
    response=SERVICE_RECORD,
    status=201,
    errors=(403,),
)
def create_service_record(actor: User, body: dict[str, Any]):
    session = get_session()
    union = union_ref(actor, body["union_id"], "union_id")
    _worker_refs(session, actor, [body["worker_id"]], "worker_id")
    record: ServiceRecord = service_records.record_service(
        session,
        actor,
        union,
        kind=body["kind"],
        worker=session.get(Worker, body["worker_id"]),
        served_on=body["served_on"],
        amount=body["amount"] or "0",
        note=body["note"],
    )
    return {
        "id": record.id,
        "kind": record.kind,
        "worker_id": record.worker_id,
        "union_id": record.union_id,
        "served_on": record.served_on,
        "amount": record.amount,
        "note": record.note,
    }
