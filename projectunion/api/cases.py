"""The services side: wage-arrears cases and service records."""

from __future__ import annotations

import sqlalchemy.orm as so
from pydantic import Field, computed_field

from projectunion import lifecycle, permissions
from projectunion.api.common import get_or_404, history_operation, union_ref
from projectunion.api.core import operation
from projectunion.api.schema import (
    Answer,
    Choice,
    Date,
    Id,
    IdsOf,
    Money,
    Request,
    Text,
    UniqueList,
    described,
)
from projectunion.db import get_session
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import WAGE_CASE as WAGE_CASE_MACHINE
from projectunion.models import ServiceRecord as ServiceRecordRow
from projectunion.models import User, Worker
from projectunion.models import WageCase as WageCaseRow
from projectunion.models.service_records import SERVICE_KINDS
from projectunion.services import service_records, wage_cases
from projectunion.services.events import fire_checked_and_commit

WageCaseEventName = Choice(WAGE_CASE_MACHINE.events())
ServiceKind = Choice(SERVICE_KINDS)
Summary = Text(500, multiline=True)


class WageCase(
    Answer,
    json_schema_extra=described(_l("A wage-arrears case (欠薪); an open case blocks its union's dissolution.")),
):
    id: Id
    union_id: Id
    contractor_id: Id | None
    state: Choice(WAGE_CASE_MACHINE.states)
    summary: Summary
    opened_on: Date
    resolved_on: Date | None
    amount_claimed: Money
    amount_recovered: Money
    worker_ids: IdsOf = Field(validation_alias="workers")

    @computed_field
    def allowed_events(self) -> list[WageCaseEventName]:
        return lifecycle.lifecycle_of("wage_case").allowed_events(self)


class WageCaseCreate(Request):
    union_id: Id
    summary: Summary
    amount_claimed: Money
    worker_ids: UniqueList(Id, 1000) = Field(description=_l("The workers owed wages."))
    contractor_id: Id | None = None
    opened_on: Date | None = Field(None, description=_l("Default today."))


class WageCaseEvent(Request):
    event: WageCaseEventName
    on: Date | None = Field(None, description=_l("When it happened; default today."))
    amount_recovered: Money | None = Field(None, description=_l("For `resolve`."))


class ServiceRecord(
    Answer,
    json_schema_extra=described(
        _l("One service given to one worker: training, hardship aid, student aid, legal aid, a visit.")
    ),
):
    id: Id
    kind: ServiceKind
    worker_id: Id
    union_id: Id
    served_on: Date
    amount: Money
    note: Summary | None


class ServiceRecordCreate(Request):
    union_id: Id
    worker_id: Id
    kind: ServiceKind
    served_on: Date | None = Field(None, description=_l("Default today."))
    amount: Money | None = Field(None, description=_l("Yuan given, if any."))
    note: Text(500, min_length=0, multiline=True) | None = None


def _visible_case(session: so.Session, actor: User, case_id: int) -> WageCaseRow:
    case = get_or_404(WageCaseRow, case_id)
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
    body=WageCaseCreate,
    response=WageCase,
    status=201,
    errors=(403,),
)
def create_wage_case(actor: User, body: WageCaseCreate):
    session = get_session()
    union = union_ref(actor, body.union_id, "union_id")
    _worker_refs(session, actor, body.worker_ids, "worker_ids")
    return wage_cases.open_wage_case(session, actor, union, **body.model_dump(exclude={"union_id"}))


@operation("GET", "/wage-cases/{case_id}", tag="services", summary=_l("One wage-arrears case"), response=WageCase)
def get_wage_case(actor: User, case_id: int):
    return _visible_case(get_session(), actor, case_id)


@operation(
    "POST",
    "/wage-cases/{case_id}/events",
    tag="services",
    summary=_l("Fire a case event: mediate, escalate, resolve"),
    body=WageCaseEvent,
    response=WageCase,
    errors=(403, 409),
)
def wage_case_event(actor: User, case_id: int, body: WageCaseEvent):
    session = get_session()
    case = _visible_case(session, actor, case_id)
    fire_checked_and_commit(
        session, actor, case, body.event, on=body.on, **body.model_dump(include={"amount_recovered"}, exclude_none=True)
    )
    return case


history_operation("/wage-cases/{case_id}", "services", "wage_case", _visible_case)


@operation(
    "POST",
    "/service-records",
    tag="services",
    summary=_l("Record a service given to a worker"),
    body=ServiceRecordCreate,
    response=ServiceRecord,
    status=201,
    errors=(403,),
)
def create_service_record(actor: User, body: ServiceRecordCreate):
    session = get_session()
    union = union_ref(actor, body.union_id, "union_id")
    _worker_refs(session, actor, [body.worker_id], "worker_id")
    record: ServiceRecordRow = service_records.record_service(
        session,
        actor,
        union,
        kind=body.kind,
        worker=session.get(Worker, body.worker_id),
        served_on=body.served_on,
        amount=body.amount or "0",
        note=body.note,
    )
    return record
