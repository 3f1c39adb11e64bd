"""Service records: training, hardship aid, student aid, legal aid, holiday visits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import ServiceRecord, Union, User, Worker
from projectunion.models.service_records import SERVICE_KINDS
from projectunion.services.transaction import audit, unit_of_work
from projectunion.services.wage_cases import money


def record_service(
    session: so.Session,
    actor: User,
    union: Union,
    *,
    kind: str,
    worker: Worker,
    served_on: dt.date | None = None,
    amount: Any = "0",
    note: str | None = None,
):
    """One service given to one worker (training, aid, a visit)."""
    permissions.require_visible(actor, union)
    permissions.require(permissions.can_manage_union(actor, union))
    errors: dict[str, Any] = {}
    if kind not in SERVICE_KINDS:
        errors["kind"] = _l("Choose the kind of service.")
    served_on = served_on or today()
    if served_on > today():
        errors["served_on"] = _l("The date cannot be in the future.")
    try:
        value = money(amount or "0", "amount")
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    with unit_of_work(session):
        record = ServiceRecord(
            kind=kind, worker=worker, union=union, served_on=served_on, amount=value, note=(note or "").strip() or None
        )
        session.add(record)
        session.flush()
        audit(session, actor, "record_service", record, kind=kind)
    return record
