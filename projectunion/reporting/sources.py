"""The rows behind the totals, the window of days they fall in, and how they group."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on

from projectunion.i18n import _l
from projectunion.lifecycle.declarations import ACTIVATED
from projectunion.models import (
    Jurisdiction,
    Membership,
    Project,
    ServiceRecord,
    StateChange,
    Union,
    WageCase,
    Worker,
    wage_case_workers,
)
from projectunion.reporting.metrics import PERSON_DIMENSIONS, Metric
from projectunion.reporting.period import Bucket
from projectunion.reporting.scope import within

UNION_ACTIVE_STATES = ("active", "suspended")


def _bucket_table(items: Sequence[Bucket]) -> sa.Subquery:
    selects = [
        sa.select(
            sa.literal(i, sa.Integer).label("idx"),
            sa.literal(b.first, sa.Date).label("first"),
            sa.literal(b.last, sa.Date).label("last"),
        )
        for i, b in enumerate(items)
    ]
    return (sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery("buckets")


def _district_key(j) -> sa.ColumnElement:
    return sa.case((j.c.level == "district", j.c.id), (j.c.level == "town", j.c.parent_id), else_=None)


def _town_key(j) -> sa.ColumnElement:
    return sa.case((j.c.level == "town", j.c.id), else_=None)


class _Source(abc.ABC):
    """Rows of one kind in the jurisdiction. Subclasses say which rows can count
    for a window of days (``where``), which count for each metric
    (``condition``), what is counted (``value``) and how rows group (``key``).
    """

    #: for drill-down lists: the table the row ids refer to, its date and union columns
    row_table: sa.Table
    row_date: str
    date_label: Any

    def __init__(self, scope: Jurisdiction | None, dialect: str):
        self.scope = scope
        self.dialect = dialect
        self.u = Union.__table__.alias("u")
        self.j = Jurisdiction.__table__.alias("j")
        self.w = Worker.__table__.alias("w")

    def in_scope(self) -> list[sa.ColumnElement]:
        return within(self.scope, self.j.c.path)

    def needs_place(self, by: str | None, full: bool) -> bool:
        """Whether the rows must be joined to their union's jurisdiction (a whole-city total need not)."""
        return full or by in ("district", "town") or bool(self.in_scope())

    def with_place(self, frm, union_id, by: str | None, full: bool, union_needed: bool = False):
        if union_needed or self.needs_place(by, full):
            frm = frm.join(self.u, self.u.c.id == union_id)
        if self.needs_place(by, full):
            frm = frm.join(self.j, self.j.c.id == self.u.c.jurisdiction_id)
        return frm

    def with_person(self, frm, worker_id, by: str | None):
        """Joined to the worker when the breakdown is by one of their own traits (trade, origin)."""
        return frm.join(self.w, self.w.c.id == worker_id) if by in PERSON_DIMENSIONS else frm

    def person_key(self, by: str) -> sa.ColumnElement:
        return self.w.c.trade if by == "trade" else self.w.c.origin_province_code

    @abc.abstractmethod
    def from_(self, by: str | None, full: bool = False) -> sa.FromClause:
        """The rows, joined to what the grouping, the scope or the metrics need (``full``: everything, for lists)."""

    @abc.abstractmethod
    def where(self, first, last, metrics: Sequence[Metric] = ()) -> list[sa.ColumnElement]:
        """The rows that can count for the window of days first..last (for these metrics, when given)."""

    @abc.abstractmethod
    def condition(self, metric: Metric, first, last) -> sa.ColumnElement | None:
        """Which of those rows count for ``metric`` (None: all of them)."""

    @abc.abstractmethod
    def value(self, metric: Metric) -> sa.ColumnElement:
        """What is counted (a worker, a union, a row) or summed (an amount)."""

    def key(self, by: str) -> sa.ColumnElement:
        """The group of a row in a breakdown by anything but year or month: by district or town, its union's."""
        if by == "district":
            return _district_key(self.j)
        if by == "town":
            return _town_key(self.j)
        return self.own_key(by)

    @abc.abstractmethod
    def own_key(self, by: str) -> sa.ColumnElement:
        """The group of a row in a breakdown by one of its own traits (a contractor, a trade, an origin)."""

    # for drill-down lists
    worker: sa.ColumnElement | None = None
    row_id: sa.ColumnElement

    def aggregate(self, metric: Metric, first, last) -> sa.ColumnElement:
        value = self.value(metric)
        cond = self.condition(metric, first, last)
        if metric.money:
            agg = money_sum(value)
        else:
            agg = sa.func.count(sa.distinct(value) if metric.agg == "distinct" else value)
        # FILTER rather than CASE: rows that do not count are not even sorted for a DISTINCT
        return agg if cond is None else agg.filter(cond)


class _Members(_Source):
    """Activated memberships: who was in force on a day, or at some time in a window."""

    row_date = "joined_on"
    date_label = _l("Joined on")

    def __init__(self, scope, dialect):
        super().__init__(scope, dialect)
        self.m = Membership.__table__.alias("m")
        self.row_table = Membership.__table__
        self.worker = self.m.c.worker_id
        self.row_id = self.m.c.id

    needs_union = False

    def from_(self, by, full=False):
        frm = self.with_place(self.m, self.m.c.union_id, by, full, self.needs_union)
        return self.with_person(frm, self.m.c.worker_id, by)

    def where(self, first, last, metrics=()):
        m = self.m
        # only the members on the last day are asked for: only memberships in force then can count
        on_last_day = bool(metrics) and all(x.name == "active_members" for x in metrics)
        return [
            m.c.state.in_(ACTIVATED),
            m.c.joined_on <= last,
            sa.or_(m.c.ended_on.is_(None), m.c.ended_on > (last if on_last_day else first)),
            *self.in_scope(),
        ]

    def condition(self, metric, first, last):
        m = self.m
        if metric.name == "active_members":
            return sa.or_(m.c.ended_on.is_(None), m.c.ended_on > last)
        # in force on at least one day of the window (a membership ended on the day it began never was)
        return sa.or_(m.c.ended_on.is_(None), m.c.ended_on > m.c.joined_on)

    def value(self, metric):
        return self.m.c.worker_id

    def own_key(self, by):
        return self.m.c.contractor_id if by == "contractor" else self.person_key(by)


class _Firsts(_Members):
    """Each worker's first-ever activated membership (the earliest joined_on; ties by id).

    A membership transferred from another is never a first one (its source
    began no later), so only memberships without ``transferred_from_id`` are
    candidates (the partial index ``ix_memberships_first_candidates`` holds
    them). PostgreSQL picks each worker's first with DISTINCT ON in index
    order; elsewhere a NOT EXISTS probes the same index for an earlier one.
    Both are checked against the same tests.
    """

    needs_union = True  # developed through *project* unions

    def __init__(self, scope, dialect):
        super().__init__(scope, dialect)
        if dialect == "postgresql":
            cand = Membership.__table__.alias("candidate")
            self.m = (
                sa.select(cand.c.id, cand.c.worker_id, cand.c.union_id, cand.c.joined_on, cand.c.contractor_id)
                .where(cand.c.transferred_from_id.is_(None), cand.c.state.in_(ACTIVATED))
                .ext(distinct_on(cand.c.worker_id))
                .order_by(cand.c.worker_id, cand.c.joined_on, cand.c.id)
                .subquery("m")
            )
            self.worker = self.m.c.worker_id
            self.row_id = self.m.c.id
        self.earlier = Membership.__table__.alias("earlier")

    def where(self, first, last, metrics=()):
        m, e = self.m, self.earlier
        window = [m.c.joined_on <= last]
        if metrics and not any(x.snapshot for x in metrics):  # no cumulative total: only firsts in the window
            window.append(m.c.joined_on >= first)
        if self.dialect == "postgresql":
            return [*window, *self.in_scope()]
        earlier = sa.exists().where(
            e.c.worker_id == m.c.worker_id,
            e.c.state.in_(ACTIVATED),
            e.c.transferred_from_id.is_(None),
            sa.or_(e.c.joined_on < m.c.joined_on, sa.and_(e.c.joined_on == m.c.joined_on, e.c.id < m.c.id)),
        )
        return [
            m.c.state.in_(ACTIVATED),
            m.c.transferred_from_id.is_(None),
            *window,
            ~earlier,
            *self.in_scope(),
        ]

    def condition(self, metric, first, last):
        project = self.u.c.kind == "project"
        in_window = self.m.c.joined_on >= first
        return {
            "new_members": in_window,
            "developed_by_project_unions": sa.and_(in_window, project),
            "new_members_cumulative": None,
            "developed_by_project_unions_cumulative": project,
        }[metric.name]


class _Unions(_Source):
    """State changes of project unions: founding and dissolution events, and the state on a day."""

    row_date = "on"
    date_label = _l("Date of the change")

    def __init__(self, scope, dialect):
        super().__init__(scope, dialect)
        self.sc = StateChange.__table__.alias("sc")
        self.later = StateChange.__table__.alias("later")
        self.p = Project.__table__.alias("p")
        self.row_table = StateChange.__table__
        self.row_id = self.sc.c.id

    def from_(self, by, full=False):
        frm = self.with_place(self.sc, self.sc.c.object_id, by, full, union_needed=True)
        if by == "contractor" or full:
            frm = frm.join(self.p, self.p.c.id == self.u.c.project_id)
        return frm

    def where(self, first, last, metrics=()):
        return [self.sc.c.machine == "union", self.u.c.kind == "project", self.sc.c.on <= last, *self.in_scope()]

    def condition(self, metric, first, last):
        sc, later = self.sc, self.later
        if metric.name == "unions_active":
            superseded = sa.exists().where(
                later.c.machine == "union",
                later.c.object_id == sc.c.object_id,
                later.c.on <= last,
                sa.or_(later.c.on > sc.c.on, sa.and_(later.c.on == sc.c.on, later.c.id > sc.c.id)),
            )
            return sa.and_(sc.c.to_state.in_(UNION_ACTIVE_STATES), ~superseded)
        event = {"unions_founded": "found", "unions_dissolved": "dissolve"}[metric.name]
        return sa.and_(sc.c.event == event, sc.c.on >= first)

    def value(self, metric):
        return self.u.c.id

    def own_key(self, by):
        return self.p.c.general_contractor_id


class _WageCases(_Source):
    """Wage cases resolved in the window."""

    row_date = "resolved_on"
    date_label = _l("Resolved on")

    def __init__(self, scope, dialect):
        super().__init__(scope, dialect)
        self.wc = WageCase.__table__.alias("wc")
        self.row_table = WageCase.__table__
        self.row_id = self.wc.c.id

    def from_(self, by, full=False):
        return self.with_place(self.wc, self.wc.c.union_id, by, full)

    def where(self, first, last, metrics=()):
        wc = self.wc
        return [wc.c.state == "resolved", wc.c.resolved_on >= first, wc.c.resolved_on <= last, *self.in_scope()]

    def condition(self, metric, first, last):
        return None

    def value(self, metric):
        return self.wc.c.amount_recovered if metric.money else self.wc.c.id

    def own_key(self, by):
        return self.wc.c.contractor_id


class _WageWorkers(_WageCases):
    """The workers involved in the wage cases resolved in the window."""

    def __init__(self, scope, dialect):
        super().__init__(scope, dialect)
        self.cw = wage_case_workers.alias("cw")
        self.worker = self.cw.c.worker_id

    def from_(self, by, full=False):
        frm = super().from_(by, full).join(self.cw, self.cw.c.wage_case_id == self.wc.c.id)
        return self.with_person(frm, self.cw.c.worker_id, by)

    def value(self, metric):
        return self.cw.c.worker_id

    def own_key(self, by):
        return self.person_key(by) if by in PERSON_DIMENSIONS else super().own_key(by)


class _Services(_Source):
    """Service records dated in the window."""

    row_date = "served_on"
    date_label = _l("Served on")

    def __init__(self, scope, dialect):
        super().__init__(scope, dialect)
        self.s = ServiceRecord.__table__.alias("s")
        self.row_table = ServiceRecord.__table__
        self.worker = self.s.c.worker_id
        self.row_id = self.s.c.id

    def from_(self, by, full=False):
        return self.with_person(self.with_place(self.s, self.s.c.union_id, by, full), self.s.c.worker_id, by)

    def where(self, first, last, metrics=()):
        s = self.s
        return [s.c.served_on >= first, s.c.served_on <= last, *self.in_scope()]

    def condition(self, metric, first, last):
        return self.s.c.kind == metric.kind

    def value(self, metric):
        s = self.s
        return {"person_times": s.c.id, "people": s.c.worker_id, "amount": s.c.amount}[metric.name.rsplit(".", 1)[1]]

    def own_key(self, by):
        return self.person_key(by)


SOURCES: dict[str, type[_Source]] = {
    "members": _Members,
    "firsts": _Firsts,
    "unions": _Unions,
    "wage_cases": _WageCases,
    "wage_workers": _WageWorkers,
    "services": _Services,
}


def money_sum(amount: sa.ColumnElement) -> sa.ColumnElement:
    """The sum of an amount in whole fen, exact on every database; ``_number`` turns it back into yuan."""
    return sa.func.sum(sa.func.round(amount * 100))


def _number(metric: Metric, raw: Any) -> int | Decimal:
    if metric.money:
        return (Decimal(int(raw or 0)) / 100).quantize(Decimal("0.01"))
    return int(raw or 0)
