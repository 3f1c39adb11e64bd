"""Drill-down: the people, unions, cases or services behind a number."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.exceptions import NotFound, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import UNION
from projectunion.models import (
    Contractor,
    Jurisdiction,
    Project,
    StateChange,
    Union,
    Worker,
    wage_case_workers,
)
from projectunion.realname import PROVINCES
from projectunion.reporting.metrics import NONE_RECORDED_LABELS, SERVICE_KIND_LABELS, TIME_DIMENSIONS, Metric, metric
from projectunion.reporting.period import Bucket, Period, buckets
from projectunion.reporting.scope import _places
from projectunion.reporting.sorting import Sort, SortKeys, rank
from projectunion.reporting.sources import SOURCES, _number, _Services, _Source, _Unions, _WageCases, money_sum


@dataclass
class Listing:
    metric: Metric
    by: str | None
    key: str | None
    group_label: Any
    columns: list[tuple[str, Any]]
    rows: list[dict[str, Any]]
    count: int
    page: int = 1
    per_page: int = 50
    sum: Decimal | None = None
    #: the order the rows are in (a column asked for, or the list's default)
    sort: Sort = field(default_factory=Sort)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


#: The ids a row carries besides its columns, for links to its pages (never shown or exported).
ROW_IDS = ("worker_id", "union_id", "project_id")


@dataclass
class _Drill:
    stmt: sa.Select  # the rows, not yet ordered
    count: sa.Select
    columns: list[tuple[str, Any]]
    keys: SortKeys
    amount: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def ordered(self, sort: Sort | None) -> tuple[sa.Select, Sort]:
        """The rows in the order asked for (an unknown column: the default), and that order."""
        applied = self.keys.resolve(sort)
        return self.stmt.order_by(*self.keys.order_by(applied)), applied


def _group_filter(session, src: _Source, scope, by: str, key: str, items: Sequence[Bucket]):
    """(window, condition, label) of one group of a breakdown, or NotFound."""
    if by in TIME_DIMENSIONS:
        for b in items:
            if b.key == key:
                return (b.first, b.last), None, b.key
        raise NotFound(_l("This period is not part of the report."))
    expr = src.key(by)
    if key == "":
        return None, expr.is_(None), NONE_RECORDED_LABELS.get(by, "—")
    if by in ("district", "town"):
        place = session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == key)).first()
        if place is None or place.level != by or (scope is not None and place not in _places(session, scope, by)):
            raise NotFound(_l("This place is not part of the report."))
        return None, expr == place.id, place.name
    if by == "contractor":
        contractor = session.get(Contractor, int(key)) if key.isdigit() else None
        if contractor is None:
            raise NotFound(_l("There is no such contractor."))
        return None, expr == contractor.id, contractor.name
    if by == "origin":
        return None, expr == key, PROVINCES.get(key, key)
    return None, expr == key, key


def _drill(
    session: so.Session, period: Period, scope, metric: Metric, by: str | None, key: str | None
) -> tuple[_Drill, Any]:
    if by is not None and not metric.applies(by):
        raise ValidationError({"by": _l("This total cannot be broken down that way.")})
    src = SOURCES[metric.source](scope, session.get_bind().dialect.name)
    first, last = period.start, period.last
    extra_where: list[sa.ColumnElement] = []
    group_label = None
    if by is not None:
        window, cond, group_label = _group_filter(
            session, src, scope, by, key or "", buckets(period, by) if by in TIME_DIMENSIONS else []
        )
        if window is not None:
            first, last = window
        if cond is not None:
            extra_where.append(cond)
    cond = src.condition(metric, first, last)
    where = [*src.where(first, last, [metric]), *([cond] if cond is not None else []), *extra_where]
    frm = src.from_(by if by not in TIME_DIMENSIONS else None, full=True)
    builder = {
        "workers": _list_workers,
        "unions": _list_unions,
        "wage_cases": _list_wage_cases,
        "service_records": _list_services,
    }[metric.lists]
    return builder(src, frm, where, metric), group_label


def _with_sum(
    stmt: sa.Select, frm, where, columns: list[tuple[str, Any]], keys: SortKeys, amount: sa.ColumnElement
) -> _Drill:
    """A list of rows with money (one row each): counted, and their ``amount`` summed."""
    count = sa.select(sa.func.count()).select_from(frm).where(*where)
    total = sa.select(money_sum(amount)).select_from(frm).where(*where)
    return _Drill(stmt, count, columns, keys, amount="amount", extra={"sum": total})


def _list_workers(src: _Source, frm, where, metric: Metric) -> _Drill:
    picked = (
        sa.select(src.worker.label("worker_id"), sa.func.min(src.row_id).label("row_id"))
        .select_from(frm)
        .where(*where)
        .group_by(src.worker)
        .subquery("picked")
    )
    w = Worker.__table__.alias("person")
    r = src.row_table.alias("r")
    un = Union.__table__.alias("un")
    place = Jurisdiction.__table__.alias("place")
    date = r.c[src.row_date]
    stmt = sa.select(
        w.c.id.label("worker_id"),
        un.c.id.label("union_id"),
        w.c.id_masked,
        w.c.name,
        w.c.trade,
        w.c.origin_province_code,
        un.c.name.label("union"),
        place.c.name.label("place"),
        date.label("date"),
    ).select_from(
        picked.join(w, w.c.id == picked.c.worker_id)
        .join(r, r.c.id == picked.c.row_id)
        .join(un, un.c.id == r.c.union_id)
        .join(place, place.c.id == un.c.jurisdiction_id)
    )
    keys = SortKeys(
        {
            "id_masked": [w.c.id_masked],
            "name": [w.c.name],
            "trade": [w.c.trade],
            "origin": [w.c.origin_province_code],
            "union": [un.c.name],
            "place": [place.c.name],
            "date": [date],
        },
        ties=[w.c.id],
        default="name",
    )
    columns = [
        ("id_masked", _l("ID number")),
        ("name", _l("Name")),
        ("trade", _l("Trade")),
        ("origin", _l("Origin province")),
        ("union", _l("Union")),
        ("place", _l("Jurisdiction")),
        ("date", src.date_label),
    ]
    return _Drill(stmt, sa.select(sa.func.count()).select_from(picked), columns, keys)


def _list_unions(src: _Source, frm, where, metric: Metric) -> _Drill:
    assert isinstance(src, _Unions)
    picked = (
        sa.select(src.u.c.id.label("union_id"), sa.func.max(src.sc.c.id).label("row_id"))
        .select_from(frm)
        .where(*where)
        .group_by(src.u.c.id)
        .subquery("picked")
    )
    un = Union.__table__.alias("un")
    r = StateChange.__table__.alias("r")
    place = Jurisdiction.__table__.alias("place")
    project = Project.__table__.alias("project")
    contractor = Contractor.__table__.alias("contractor")
    stmt = sa.select(
        un.c.id.label("union_id"),
        project.c.id.label("project_id"),
        un.c.name.label("union"),
        place.c.name.label("place"),
        project.c.name.label("project"),
        contractor.c.name.label("contractor"),
        r.c.on.label("date"),
        r.c.to_state.label("state"),
    ).select_from(
        picked.join(un, un.c.id == picked.c.union_id)
        .join(r, r.c.id == picked.c.row_id)
        .join(place, place.c.id == un.c.jurisdiction_id)
        .outerjoin(project, project.c.id == un.c.project_id)
        .outerjoin(contractor, contractor.c.id == project.c.general_contractor_id)
    )
    keys = SortKeys(
        {
            "union": [un.c.name],
            "place": [place.c.name],
            "project": [project.c.name],
            "contractor": [contractor.c.name],
            "date": [r.c.on],
            "state": [rank(r.c.to_state, UNION.states)],
        },
        ties=[un.c.id],
        default="union",
    )
    columns = [
        ("union", _l("Union")),
        ("place", _l("Jurisdiction")),
        ("project", _l("Project")),
        ("contractor", _l("General contractor")),
        ("date", src.date_label),
        ("state", _l("State after the change")),
    ]
    return _Drill(stmt, sa.select(sa.func.count()).select_from(picked), columns, keys)


def _list_wage_cases(src: _Source, frm, where, metric: Metric) -> _Drill:
    assert isinstance(src, _WageCases)
    wc = src.wc
    contractor = Contractor.__table__.alias("contractor")
    involved = (
        sa.select(sa.func.count())
        .select_from(wage_case_workers)
        .where(wage_case_workers.c.wage_case_id == wc.c.id)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            src.u.c.id.label("union_id"),
            wc.c.id.label("case"),
            wc.c.summary,
            src.u.c.name.label("union"),
            src.j.c.name.label("place"),
            contractor.c.name.label("contractor"),
            wc.c.resolved_on.label("date"),
            wc.c.amount_recovered.label("amount"),
            involved.label("workers"),
        )
        .select_from(frm.outerjoin(contractor, contractor.c.id == wc.c.contractor_id))
        .where(*where)
    )
    keys = SortKeys(
        {
            "case": [wc.c.id],
            "summary": [wc.c.summary],
            "union": [src.u.c.name],
            "place": [src.j.c.name],
            "contractor": [contractor.c.name],
            "date": [wc.c.resolved_on],
            "amount": [wc.c.amount_recovered],
            "workers": [involved],
        },
        ties=[wc.c.id],
        default="date",
    )
    columns = [
        ("case", _l("Case no.")),
        ("summary", _l("Summary")),
        ("union", _l("Union")),
        ("place", _l("Jurisdiction")),
        ("contractor", _l("Contractor")),
        ("date", src.date_label),
        ("amount", _l("Wages recovered (yuan)")),
        ("workers", _l("Workers")),
    ]
    return _with_sum(stmt, frm, where, columns, keys, wc.c.amount_recovered)


def _list_services(src: _Source, frm, where, metric: Metric) -> _Drill:
    assert isinstance(src, _Services)
    s = src.s
    w = Worker.__table__.alias("person")
    stmt = (
        sa.select(
            w.c.id.label("worker_id"),
            src.u.c.id.label("union_id"),
            s.c.served_on.label("date"),
            s.c.kind,
            w.c.id_masked,
            w.c.name,
            src.u.c.name.label("union"),
            src.j.c.name.label("place"),
            s.c.amount,
        )
        .select_from(frm.join(w, w.c.id == s.c.worker_id))
        .where(*where)
    )
    keys = SortKeys(
        {
            "date": [s.c.served_on],
            "kind": [rank(s.c.kind, list(SERVICE_KIND_LABELS))],
            "id_masked": [w.c.id_masked],
            "name": [w.c.name],
            "union": [src.u.c.name],
            "place": [src.j.c.name],
            "amount": [s.c.amount],
        },
        ties=[s.c.id],
        default="date",
    )
    columns = [
        ("date", src.date_label),
        ("kind", _l("Service")),
        ("id_masked", _l("ID number")),
        ("name", _l("Name")),
        ("union", _l("Union")),
        ("place", _l("Jurisdiction")),
        ("amount", _l("Amount (yuan)")),
    ]
    return _with_sum(stmt, frm, where, columns, keys, s.c.amount)


def _present(row: sa.Row, columns: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(row._mapping)
    if "origin_province_code" in data:
        data["origin"] = PROVINCES.get(data["origin_province_code"], data["origin_province_code"])
    if "kind" in data:
        data["kind"] = SERVICE_KIND_LABELS.get(data["kind"], data["kind"])
    if data.get("amount") is not None:
        data["amount"] = Decimal(str(data["amount"])).quantize(Decimal("0.01"))
    shown = {name: data.get(name) for name, _label in columns}
    return {**{name: data[name] for name in ROW_IDS if name in data}, **shown}


def drill(
    session: so.Session,
    period: Period,
    scope: Jurisdiction | None,
    metric_name: str,
    by: str | None = None,
    key: str | None = None,
    page: int = 1,
    per_page: int = 50,
    sort: Sort | None = None,
) -> Listing:
    """One page of the people (masked IDs), unions, cases or services behind a number.

    ``by=None`` lists those behind the total; with ``by``, those behind the
    group ``key`` ('' is the group where nothing is recorded). ``sort``: by one of
    the columns, over the whole list (a column the list does not have: its default order).
    """
    m = metric(metric_name)
    spec, group_label = _drill(session, period, scope, m, by, key)
    stmt, sort = spec.ordered(sort)
    count = int(session.scalar(spec.count) or 0)
    page = min(max(1, page), max(1, -(-count // per_page)))  # a page past the end shows the last one
    rows = [_present(r, spec.columns) for r in session.execute(stmt.limit(per_page).offset((page - 1) * per_page))]
    money = _number(m, session.scalar(spec.extra["sum"])) if "sum" in spec.extra else None
    return Listing(m, by, key, group_label, spec.columns, rows, count, page, per_page, money, sort)


def drill_all(
    session: so.Session,
    period: Period,
    scope: Jurisdiction | None,
    metric_name: str,
    by=None,
    key=None,
    sort: Sort | None = None,
) -> tuple[Listing, Iterator[dict[str, Any]]]:
    """Every row behind a number, streamed (for exports, in the order of the page); the listing carries
    the columns and count."""
    m = metric(metric_name)
    spec, group_label = _drill(session, period, scope, m, by, key)
    stmt, sort = spec.ordered(sort)
    count = int(session.scalar(spec.count) or 0)
    listing = Listing(m, by, key, group_label, spec.columns, [], count, 1, max(count, 1), sort=sort)

    def rows() -> Iterator[dict[str, Any]]:
        result = session.execute(stmt.execution_options(yield_per=2000))
        for r in result:
            yield _present(r, spec.columns)

    return listing, rows()
