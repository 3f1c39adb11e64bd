"""Real-name workers: looked up by their full ID number (through its keyed digest), never listed."""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.api.common import get_or_404
from projectunion.api.core import operation
from projectunion.api.schema import Choice, Date, Field, Id, List, Params, Shape, Text, page_of
from projectunion.db import get_session
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import END_REASONS
from projectunion.lifecycle.declarations import MEMBERSHIP as MEMBERSHIP_MACHINE
from projectunion.models import Membership, User, Worker
from projectunion.realname import PROVINCES, RealNameError, parse_id_number
from projectunion.services import workers

WORKER_MEMBERSHIP = Shape(
    "WorkerMembership",
    {
        "id": Field(Id()),
        "union_id": Field(Id()),
        "union_name": Field(Text(max_length=200)),
        "state": Field(Choice(MEMBERSHIP_MACHINE.states)),
        "joined_on": Field(Date(), nullable=True),
        "ended_on": Field(Date(), nullable=True),
        "end_reason": Field(Choice(END_REASONS), nullable=True),
        "transferred_from_id": Field(Id(), nullable=True),
    },
)

WORKER = Shape(
    "Worker",
    {
        "id": Field(Id()),
        "name": Field(Text(max_length=50)),
        "id_number_masked": Field(Text(max_length=18, example="411***********123X")),
        "gender": Field(Choice(("M", "F"))),
        "birth_date": Field(Date()),
        "origin_province": Field(Text(max_length=20), description=_l("Province of origin, from the ID number.")),
        "origin_province_code": Field(Text(max_length=2)),
        "trade": Field(Text(max_length=50), nullable=True),
        "phone": Field(Text(max_length=11), nullable=True),
        "memberships": Field(List(WORKER_MEMBERSHIP), description=_l("Every membership, oldest first.")),
    },
    description=_l("One real person; the full ID number is never answered."),
)


WITH_MEMBERSHIPS = so.selectinload(Worker.memberships).joinedload(Membership.union)


def worker_out(w: Worker) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "id_number_masked": w.id_masked,
        "gender": w.gender,
        "birth_date": w.birth_date,
        "origin_province": PROVINCES.get(w.origin_province_code, w.origin_province_code),
        "origin_province_code": w.origin_province_code,
        "trade": w.trade,
        "phone": w.phone,
        "memberships": [
            {
                "id": m.id,
                "union_id": m.union_id,
                "union_name": m.union.name,
                "state": m.state,
                "joined_on": m.joined_on,
                "ended_on": m.ended_on,
                "end_reason": m.end_reason,
                "transferred_from_id": m.transferred_from_id,
            }
            for m in w.memberships
        ],
    }


@operation(
    "GET",
    "/workers",
    tag="workers",
    summary=_l("Find a worker by the full ID number"),
    description=_l("Exact look-up; an empty list when nobody in your scope has this number."),
    response=page_of(WORKER),
    query=Params({"id_number": Field(Text(max_length=40), description=_l("The 18-character resident ID number."))}),
)
def find_worker(actor: User, query: dict[str, Any]):
    session = get_session()
    try:
        resident = parse_id_number(query["id_number"])
    except RealNameError as exc:
        raise ValidationError({"id_number": exc.message}) from None
    worker = workers.find_by_id_number(session, resident.number)
    found = worker is not None and permissions.can_view_worker(session, actor, worker)
    return {"items": [worker_out(worker)] if found else [], "next": None}


@operation("GET", "/workers/{worker_id}", tag="workers", summary=_l("One worker and every membership"), response=WORKER)
def get_worker(actor: User, worker_id: int):
    session = get_session()
    worker = get_or_404(Worker, worker_id, WITH_MEMBERSHIPS)
    permissions.require_visible(actor, worker, session)
    return worker_out(worker)
