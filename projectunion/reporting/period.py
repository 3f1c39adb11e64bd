"""The period a report covers, as known on its as-of date, and the years or months of a breakdown."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l

#: A breakdown by year or month has at most this many periods.
MAX_PERIODS = 120


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (inclusive), as known on ``as_of``."""

    start: dt.date
    end: dt.date
    as_of: dt.date

    @property
    def last(self) -> dt.date:
        """The last day that counts: the period's end, or the as-of date if that is earlier."""
        return min(self.end, self.as_of)

    def as_dict(self) -> dict[str, str]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "on": self.last.isoformat(),
        }


def parse_date(raw: Any, field_name: str) -> dt.date | None:
    """A date typed as YYYY-MM-DD, or None when left empty."""
    if raw is None or isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {field_name: _l("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2024-12-31.", value=text[:40])}
        ) from None


def make_period(start: Any = None, end: Any = None, as_of: Any = None) -> Period:
    """The period asked for; by default this year (the as-of date's year), as of today."""
    errors: dict[str, Any] = {}
    values: dict[str, dt.date | None] = {}
    for name, raw in (("from", start), ("to", end), ("as_of", as_of)):
        try:
            values[name] = parse_date(raw, name)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    now = today()
    on = values["as_of"] or now
    begin = values["from"] or dt.date(on.year, 1, 1)
    finish = values["to"] or dt.date(begin.year, 12, 31)
    if on > now:
        errors["as_of"] = _l("The as-of date cannot be in the future.")
    if finish < begin:
        errors["to"] = _l("The period must end on or after the day it starts.")
    elif begin > on:
        errors["from"] = _l("The period starts after the as-of date: nothing in it had happened yet.")
    if errors:
        raise ValidationError(errors)
    return Period(begin, finish, on)


@dataclass(frozen=True)
class Bucket:
    key: str
    first: dt.date
    last: dt.date


def buckets(period: Period, by: str) -> list[Bucket]:
    """The years or months of the period (cut at its start and its last day)."""
    out: list[Bucket] = []
    day = period.start
    while day <= period.last:
        if by == "year":
            key, end = f"{day.year}", dt.date(day.year, 12, 31)
        else:
            key, end = f"{day:%Y-%m}", dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        out.append(Bucket(key, day, min(end, period.last)))
        day = end + dt.timedelta(days=1)
        if len(out) > MAX_PERIODS:
            raise ValidationError(
                {
                    "to": _l(
                        "A breakdown by year or month covers at most %(count)d periods: choose a shorter period.",
                        count=MAX_PERIODS,
                    )
                }
            )
    return out
