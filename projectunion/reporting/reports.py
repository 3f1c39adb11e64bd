"""Reports: every total over a period in a jurisdiction, broken down, with the total row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import (
    Contractor,
    Jurisdiction,
)
from projectunion.realname import PROVINCES
from projectunion.reporting.metrics import DIMENSIONS, METRICS, NONE_RECORDED_LABELS, TIME_DIMENSIONS, Metric
from projectunion.reporting.period import Bucket, Period, buckets
from projectunion.reporting.scope import _places
from projectunion.reporting.sources import SOURCES, _bucket_table, _number, _Source


def _by_source(metrics: Sequence[Metric]) -> dict[str, list[Metric]]:
    grouped: dict[str, list[Metric]] = defaultdict(list)
    for m in metrics:
        grouped[m.source].append(m)
    return grouped


def _totals(session: so.Session, src: _Source, metrics: Sequence[Metric], period: Period) -> dict[str, Any]:
    first, last = period.start, period.last
    stmt = (
        sa.select(*[src.aggregate(m, first, last) for m in metrics])
        .select_from(src.from_(None))
        .where(*src.where(first, last, metrics))
    )
    row = session.execute(stmt).one()
    return {m.name: _number(m, v) for m, v in zip(metrics, row, strict=True)}


def _grouped(
    session: so.Session, src: _Source, metrics: Sequence[Metric], period: Period, by: str, items: Sequence[Bucket]
) -> dict[Any, dict[str, Any]]:
    if by in TIME_DIMENSIONS:
        b = _bucket_table(items)
        key = b.c.idx
        cols = [src.aggregate(m, b.c.first, b.c.last) for m in metrics]
        stmt = (
            sa.select(key, *cols)
            .select_from(src.from_(None))
            .where(*src.where(b.c.first, b.c.last, metrics))
            .group_by(key)
        )
    else:
        first, last = period.start, period.last
        key = src.key(by)
        cols = [src.aggregate(m, first, last) for m in metrics]
        stmt = sa.select(key, *cols).select_from(src.from_(by)).where(*src.where(first, last, metrics)).group_by(key)
    out: dict[Any, dict[str, Any]] = {}
    for k, *values in session.execute(stmt):
        if by in TIME_DIMENSIONS:
            k = items[k].key
        out[k] = {m.name: _number(m, v) for m, v in zip(metrics, values, strict=True)}
    return out


@dataclass
class Row:
    """One line of a report. ``key`` identifies the group in links ('' for "none recorded")."""

    key: str
    label: Any
    values: dict[str, Any]


@dataclass
class Report:
    period: Period
    scope: Jurisdiction | None
    by: str | None
    metrics: list[Metric]
    rows: list[Row]
    total: Row

    def total_rule(self, metric: Metric) -> str:
        return metric.total_rule(self.by)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: money as strings with two decimals, "not applicable" as null."""
        data: dict[str, Any] = {
            **self.period.as_dict(),
            "jurisdiction": None if self.scope is None else {"code": self.scope.code, "name": self.scope.name},
            "by": self.by,
            "totals": nest(self.total.values),
        }
        if self.by is not None:
            data["rows"] = [{"key": r.key, "label": str(r.label), "values": nest(r.values)} for r in self.rows]
            data["total_rule"] = nest({m.name: self.total_rule(m) for m in self.metrics})
        return data


def jsonable(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else value


def nest(values: dict[str, Any], leaf: Callable[[Any], Any] | None = jsonable) -> dict[str, Any]:
    """{"services.training.people": 3} → {"services": {"training": {"people": 3}}}.

    Each value goes through ``leaf`` (plain JSON by default; None keeps it as it is, for the API's models).
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        *parents, last = name.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value if leaf is None else leaf(value)
    return out


def totals(
    session: so.Session, period: Period, scope: Jurisdiction | None = None, metrics: Sequence[Metric] | None = None
) -> Report:
    """Every total (or the ones asked for) over the period, in the jurisdiction."""
    return report(session, period, scope, None, metrics)


def report(
    session: so.Session,
    period: Period,
    scope: Jurisdiction | None = None,
    by: str | None = None,
    metrics: Sequence[Metric] | None = None,
    with_total: bool = True,
) -> Report:
    """The totals broken down by ``by`` (one of DIMENSIONS), with the total row.

    ``with_total=False`` (a chart of the rows) leaves out the total row's distinct
    counts, which take a query of their own; they are None then.
    """
    if by is not None and by not in DIMENSIONS:
        raise ValidationError({"by": _l("Choose how to break the totals down.")})
    metrics = list(metrics or METRICS)
    items = buckets(period, by) if by in TIME_DIMENSIONS else []
    total: dict[str, Any] = {}
    grouped: dict[Any, dict[str, Any]] = defaultdict(dict)
    for source, ms in _by_source(metrics).items():
        src = SOURCES[source](scope, session.get_bind().dialect.name)
        applicable = [m for m in ms if m.applies(by)] if by is not None else []
        if applicable:
            for k, values in _grouped(session, src, applicable, period, by, items).items():
                grouped[k].update(values)
        # Counted on their own: distinct people (not the sum of the rows) and totals the breakdown
        # does not apply to. The others are the sum of the rows, or the last row for a count on a day.
        counted = [m for m in ms if m not in applicable or m.total_rule(by) == "distinct"]
        if counted and with_total:
            total.update(_totals(session, src, counted, period))
        elif counted:
            total.update(dict.fromkeys((m.name for m in counted), None))
    for m in metrics:
        if m.name in total:
            continue
        if m.total_rule(by) == "snapshot":
            total[m.name] = grouped.get(items[-1].key, {}).get(m.name, _zero(m))
        else:
            total[m.name] = sum((values.get(m.name, _zero(m)) for values in grouped.values()), _zero(m))
    rows = _rows(session, scope, by, metrics, grouped, items) if by is not None else []
    return Report(period, scope, by, metrics, rows, Row("", _l("Total"), {m.name: total[m.name] for m in metrics}))


def _zero(metric: Metric) -> int | Decimal:
    return Decimal("0.00") if metric.money else 0


def _rows(session, scope, by, metrics, grouped, items) -> list[Row]:
    def values(raw_key) -> dict[str, Any]:
        found = grouped.get(raw_key, {})
        return {m.name: (found.get(m.name, _zero(m)) if m.applies(by) else None) for m in metrics}

    rows: list[Row] = []
    if by in TIME_DIMENSIONS:
        return [Row(b.key, b.key, values(b.key)) for b in items]
    if by in ("district", "town"):
        for place in _places(session, scope, by):
            rows.append(Row(place.code, place.name, values(place.id)))
        if None in grouped:
            rows.append(Row("", NONE_RECORDED_LABELS[by], values(None)))
        return rows
    keys = sorted((k for k in grouped if k is not None), key=str)
    if by == "origin":
        rows = [Row(k, PROVINCES.get(k, k), values(k)) for k in keys]
    elif by == "trade":
        rows = [Row(k, k, values(k)) for k in keys]
    else:
        names = dict(session.execute(sa.select(Contractor.id, Contractor.name).where(Contractor.id.in_(keys))).all())
        rows = sorted((Row(str(k), names.get(k, str(k)), values(k)) for k in keys), key=lambda r: str(r.label))
    if None in grouped:
        rows.append(Row("", NONE_RECORDED_LABELS.get(by, "—"), values(None)))
    return rows
