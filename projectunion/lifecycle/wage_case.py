"""Wage-case machine: open → mediating → resolved, or escalated to arbitration or court."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import WAGE_CASE
from projectunion.lifecycle.engine import Context, Lifecycle
from projectunion.models import WageCase


def _recovered(case: WageCase, ctx: Context) -> Decimal:
    raw = ctx.data.get("amount_recovered", case.amount_recovered)
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount_recovered": _l("Enter an amount in yuan, e.g. 12500.00.")}) from None
    return value


def valid_recovery(case: WageCase, ctx: Context) -> None:
    if _recovered(case, ctx) < 0:
        raise ValidationError({"amount_recovered": _l("The recovered amount cannot be negative.")})
    if ctx.on < case.opened_on:
        raise ValidationError({"on": _l("A case cannot be resolved before it was opened.")})


def record_resolution(case: WageCase, ctx: Context) -> None:
    case.amount_recovered = _recovered(case, ctx)
    case.resolved_on = ctx.on


LIFECYCLE = Lifecycle(
    WAGE_CASE,
    guards={"valid_recovery": valid_recovery},
    effects={"record_resolution": record_resolution},
)
