"""Real-name workers: looked up by their full ID number (through its keyed digest), never listed."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy.orm as so
from pydantic import AliasPath, BeforeValidator, Field

from projectunion import permissions
from projectunion.api.common import get_or_404
from projectunion.api.core import operation
from projectunion.api.memberships import EndReason, MembershipState
from projectunion.api.schema import Answer, Choice, Date, Facts, Id, Listing, Page, Request, Text, described
from projectunion.db import get_session
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Membership, User
from projectunion.models import Worker as WorkerRow
from projectunion.realname import PROVINCES, RealNameError, parse_id_number
from projectunion.services import retention, workers
from projectunion.workers.queries import crew_contacts

MaskedIdNumber = Text(18, example="41**************3X")


class WorkerMembership(Answer):
    id: Id
    union_id: Id
    union_name: Text(200) = Field(validation_alias=AliasPath("union", "name"))
    state: MembershipState
    joined_on: Date | None
    ended_on: Date | None
    end_reason: EndReason | None
    transferred_from_id: Id | None


class Worker(Answer, json_schema_extra=described(_l("One real person; the full ID number is never answered."))):
    id: Id
    name: Text(50)
    id_number_masked: MaskedIdNumber | None = Field(
        validation_alias="id_masked", description=_l("Null once the person's data was anonymised.")
    )
    anonymised_on: Date | None = Field(
        description=_l(
            "The day the person's data was anonymised under the retention rule (name, ID number and phone"
            " are no longer held); null while it is held."
        )
    )
    gender: Choice(("M", "F"))
    birth_year: int = Field(description=_l("Year of birth, from the ID number."))
    birth_date: Date | None = Field(
        description=_l("Only for those who may reveal the full number; null for everyone else.")
    )
    origin_province: Annotated[Text(20), BeforeValidator(lambda code: PROVINCES.get(code, code))] = Field(
        validation_alias="origin_province_code", description=_l("Province of origin, from the ID number.")
    )
    origin_province_code: Text(2)
    trade: Text(50) | None
    phone: Text(11) | None
    memberships: list[WorkerMembership] = Field(description=_l("Every membership, oldest first."))


class WorkerLookup(Request):
    id_number: Text(40) = Field(description=_l("The 18-character resident ID number."))


WITH_MEMBERSHIPS = so.selectinload(WorkerRow.memberships).joinedload(Membership.union)


@operation(
    "POST",
    "/workers/lookup",
    tag="workers",
    summary=_l("Find a worker by the full ID number"),
    description=_l(
        "Exact look-up; an empty list when nobody in your scope has this number. The number goes in the "
        "body (POST), never in a URL, so that no access log holds it."
    ),
    response=Page[Worker],
    body=WorkerLookup,
)
def find_worker(actor: User, body: WorkerLookup):
    session = get_session()
    try:
        resident = parse_id_number(body.id_number)
    except RealNameError as exc:
        raise ValidationError({"id_number": exc.message}) from None
    worker = workers.find_by_id_number(session, resident.number)
    found = worker is not None and permissions.can_view_worker(session, actor, worker)
    return Listing([as_seen_by(session, actor, worker)] if found else [], None)


@operation("GET", "/workers/{worker_id}", tag="workers", summary=_l("One worker and every membership"), response=Worker)
def get_worker(actor: User, worker_id: int):
    session = get_session()
    worker = get_or_404(WorkerRow, worker_id, WITH_MEMBERSHIPS)
    permissions.require_visible(actor, worker, session)
    return as_seen_by(session, actor, worker)


def as_seen_by(session: so.Session, actor: User, worker: WorkerRow) -> Facts:
    """What ``actor`` may see of the worker.

    The birth date with the county in the number and the mask leaves too few candidates:
    only those who may reveal the number see the day. A contractor sees the memberships
    its own workforce records name, not the worker's whole history.
    """
    may_reveal = permissions.can_reveal_id(actor, worker, session)
    history, phone, trade = worker.memberships, worker.phone, worker.trade
    company = permissions.worker_view_confined_to(actor)
    if company is not None:
        history = [m for m in history if m.contractor_id == company]
        phone, trade = crew_contacts(session, [worker.id], company).get(worker.id, (None, None))
    anonymised = retention.is_anonymised(worker)
    return Facts(
        worker,
        id_masked=None if anonymised else worker.id_masked,
        anonymised_on=retention.anonymised_on(session, worker) if anonymised else None,
        birth_year=worker.birth_date.year,
        birth_date=worker.birth_date if may_reveal and not anonymised else None,  # anonymised: the year only
        memberships=history,
        phone=phone,
        trade=trade,
    )
