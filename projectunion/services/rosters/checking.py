"""Checking one roster row: every problem by column, nothing silently fixed."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from projectunion.i18n import _l
from projectunion.realname import (
    RealNameError,
    check_min_age,
    normalize_name,
    normalize_phone,
    parse_id_number,
)
from projectunion.services.rosters.reading import FIELDS, RowError, _cell

_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.IGNORECASE)
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")

TRADE_MAX = 50


@dataclass(slots=True)
class RosterRow:
    """A non-blank data row, cleaned where its values are valid."""

    row: int
    name: str | None = None
    id_number: str | None = None
    masked: str | None = None
    phone: str | None = None
    trade: str | None = None
    entered_on: dt.date | None = None
    digest: str | None = None
    resident: Any = None
    errors: list[RowError] = field(default_factory=list)
    worker_id: int | None = None
    action: str | None = None  # join | update | unchanged (valid rows)

    @property
    def valid(self) -> bool:
        return not self.errors


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class _Checker:
    """Validates the rows of one file against one day, one minimum age and one header; cheap per row."""

    def __init__(self, on: dt.date, minimum_age: int, columns: dict[str, int]) -> None:
        self.on = on
        self.minimum_age = minimum_age
        self.indices = tuple(columns.get(name, -1) for name in FIELDS)

    def check(self, number: int, cells: list) -> RosterRow:
        width = len(cells)
        raw_name, raw_id, raw_phone, raw_trade, raw_date = (
            _cell(cells[i]) if 0 <= i < width else None for i in self.indices
        )
        row = RosterRow(number)
        errors = row.errors

        try:
            row.name = normalize_name(raw_name if raw_name.__class__ is str else _text(raw_name or ""))
        except RealNameError as exc:
            errors.append(RowError(number, "name", exc.code, exc.message))

        try:
            resident = parse_id_number(raw_id, today=self.on)
        except RealNameError as exc:
            if exc.code == "id_format" and _SCIENTIFIC.fullmatch(raw_id):
                # "3.71002E+17" is a number Excel already cut short: refused as a number is.
                try:
                    parse_id_number(float(raw_id), today=self.on)
                except RealNameError as numeric:
                    exc = numeric
            errors.append(RowError(number, "id_number", exc.code, exc.message))
            resident = None

        entered_on = self.on
        if raw_date is not None:
            parsed = _parse_date(raw_date)
            if parsed is None:
                message = _l("“%(value)s” is not a date; write it as 2024-03-01.", value=_text(raw_date))
                errors.append(RowError(number, "entered_on", "date_format", message))
            elif parsed > self.on:
                errors.append(RowError(number, "entered_on", "date_future", _l("The date cannot be in the future.")))
            else:
                entered_on = parsed
        row.entered_on = entered_on
        if resident is not None:
            try:
                check_min_age(resident, entered_on, self.minimum_age)
            except RealNameError as exc:
                errors.append(RowError(number, "id_number", exc.code, exc.message))
            row.resident = resident
            row.id_number = resident.number
            row.masked = resident.masked

        try:
            row.phone = normalize_phone(_text(raw_phone) if raw_phone is not None else None)
        except RealNameError as exc:
            errors.append(RowError(number, "phone", exc.code, exc.message))

        if raw_trade is not None:
            trade = " ".join(_text(raw_trade).split())
            if len(trade) > TRADE_MAX:
                message = _l("The trade has at most %(n)d characters.", n=TRADE_MAX)
                errors.append(RowError(number, "trade", "trade_length", message))
            else:
                row.trade = trade
        return row
