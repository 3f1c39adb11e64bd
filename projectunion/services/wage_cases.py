"""Wage-arrears cases (欠薪): opened by a union, moved through their machine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Contractor, Union, User, WageCase, Worker
from projectunion.services.transaction import unit_of_work


def money(raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", "").strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _l("Enter an amount in yuan, e.g. 12500.00.")}) from None
    if value < 0 or value >= Decimal(10000000000):
        raise ValidationError({field: _l("Enter an amount in yuan, e.g. 12500.00.")})
    return value


def open_wage_case(
    session: so.Session,
    actor: User,
    union: Union,
    *,
    summary: str,
    amount_claimed: Any,
    worker_ids: list[int],
    contractor_id: int | None = None,
    opened_on: dt.date | None = None,
) -> WageCase:
    permissions.require_visible(actor, union)
    permissions.require(permissions.can_manage_union(actor, union))
    errors: dict[str, Any] = {}
    summary = (summary or "").strip()
    if not summary or len(summary) > 500:
        errors["summary"] = _l("Describe the case in at most 500 characters.")
    try:
        claimed = money(amount_claimed, "amount_claimed")
    except ValidationError as exc:
        errors.update(exc.fields)
    workers = session.scalars(sa.select(Worker).where(Worker.id.in_(worker_ids or []))).all()
    if not workers or len(workers) != len(set(worker_ids)):
        errors["worker_ids"] = _l("Choose the workers involved.")
    if contractor_id and session.get(Contractor, contractor_id) is None:
        errors["contractor_id"] = _l("Unknown contractor.")
    opened_on = opened_on or today()
    if opened_on > today():
        errors["opened_on"] = _l("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    with unit_of_work(session):
        case = WageCase(
            union=union,
            summary=summary,
            amount_claimed=claimed,
            amount_recovered=Decimal("0.00"),
            contractor_id=contractor_id,
            opened_on=opened_on,
            state="open",
            workers=list(workers),
        )
        session.add(case)
        lifecycle.record_creation(session, "wage_case", case, lifecycle.context(session, actor, opened_on))
    return case
