"""City totals: the one module that computes every number the dashboard, the
CLI (``projectunion stats``), the exports and the API show.

The definitions are DESIGN.md's "Exact definitions of the totals". What "as of
D" means here, precisely:

- Every total is computed from the dates the events happened on — a
  membership's ``joined_on`` / ``ended_on``, the ``on`` of a union's state
  changes, a wage case's ``resolved_on``, a service's ``served_on`` — never
  from today's states. Nothing dated after D counts, and a period that runs
  past D is cut at D (``Period.last``).
- A membership counts once it was activated (pending and rejected ones count
  nowhere). It is in force on day X when ``joined_on <= X`` and ``ended_on`` is
  empty or after X: a membership ended after D is still in force on D, one
  that began after D did not exist on D, and one that ends on X is not in
  force on X.
- A union's state on X is the ``to_state`` of its last state change dated on
  or before X (ties broken by the order they were recorded).
- The times rows were *recorded* (``created_at``, ``at``) are not used: history
  is usually entered after the fact (roster imports, late paperwork), and the
  day it happened is the day it counts for.

A membership counts for its union's jurisdiction and every jurisdiction above
it. Breakdowns group the rows behind a total; ``Metric.total_rule`` says
whether the total row is the sum of the group rows (``sum``), a count of
distinct people that is not the sum because one person can be in several
groups (``distinct``), or a count on one day that by year or month is taken at
the end of each period (``snapshot``; the total is the value on the last day).
"""

from __future__ import annotations

import abc
import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import distinct_on

from projectunion.dates import today
from projectunion.exceptions import NotFound, PermissionDenied, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import ACTIVATED
from projectunion.models import (
    Contractor,
    Jurisdiction,
    Membership,
    Project,
    ServiceRecord,
    StateChange,
    Union,
    User,
    WageCase,
    Worker,
    wage_case_workers,
)
from projectunion.models.service_records import SERVICE_KINDS
from projectunion.realname import PROVINCES

DIMENSIONS = ("district", "town", "year", "month", "trade", "origin", "contractor")
TIME_DIMENSIONS = ("year", "month")
PERSON_DIMENSIONS = ("trade", "origin")
UNION_ACTIVE_STATES = ("active", "suspended")
REPORT_ROLES = ("union_staff", "city_staff", "admin")
#: A breakdown by year or month has at most this many periods.
MAX_PERIODS = 120

DIMENSION_LABELS = {
    "district": _l("District"),
    "town": _l("Town / street"),
    "year": _l("Year"),
    "month": _l("Month"),
    "trade": _l("Trade"),
    "origin": _l("Origin province"),
    "contractor": _l("Contractor"),
}

SERVICE_KIND_LABELS = {
    "training": _l("Skills training"),
    "hardship_aid": _l("Hardship aid"),
    "student_aid": _l("Student aid"),
    "legal_aid": _l("Legal aid"),
    "holiday_visit": _l("Holiday visit"),
}

TOTAL_RULE_LABELS = {
    "sum": _l("The total is the sum of the rows."),
    "distinct": _l(
        "Counts distinct people: a person counted in several rows (say, two districts) counts once in the total, "
        "so the total can be less than the sum."
    ),
    "snapshot": _l(
        "A count on one day: each year or month shows the value on its last day, and the total the value on "
        "the last day of the period — not the sum."
    ),
}


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One total: its stable name (the same in the CLI, the exports and the API) and how it is counted."""

    name: str
    label: Any
    source: str  # the rows it counts: members | firsts | unions | wage_cases | wage_workers | services
    lists: str  # what its drill-down lists: workers | unions | wage_cases | service_records
    agg: str  # distinct (people or unions) | count (rows) | money (sum of amounts, yuan)
    snapshot: bool = False  # a count on a day rather than over the period
    dimensions: tuple[str, ...] = DIMENSIONS
    kind: str | None = None  # the service kind, for service totals
    section: str = "members"

    def applies(self, by: str | None) -> bool:
        return by is None or by in self.dimensions

    @property
    def money(self) -> bool:
        return self.agg == "money"

    def total_rule(self, by: str | None) -> str:
        if by in TIME_DIMENSIONS and self.snapshot:
            return "snapshot"
        if self.agg == "distinct" and self.lists == "workers":
            return "distinct"
        return "sum"


_NOT_PERSONAL = ("district", "town", "year", "month", "contractor")
_NO_CONTRACTOR = ("district", "town", "year", "month", "trade", "origin")


def _service_metrics() -> list[Metric]:
    metrics = []
    for kind in SERVICE_KINDS:
        name = SERVICE_KIND_LABELS.get(kind, kind)
        common = {"source": "services", "dimensions": _NO_CONTRACTOR, "kind": kind, "section": "services"}
        metrics += [
            Metric(
                f"services.{kind}.person_times",
                _l("%(service)s: person-times", service=name),
                lists="service_records",
                agg="count",
                **common,
            ),
            Metric(
                f"services.{kind}.people",
                _l("%(service)s: people", service=name),
                lists="workers",
                agg="distinct",
                **common,
            ),
            Metric(
                f"services.{kind}.amount",
                _l("%(service)s: amount (yuan)", service=name),
                lists="service_records",
                agg="money",
                **common,
            ),
        ]
    return metrics


METRICS: tuple[Metric, ...] = (
    Metric("active_members", _l("Active members"), "members", "workers", "distinct", snapshot=True),
    Metric("members_in_period", _l("Members during the period"), "members", "workers", "distinct"),
    Metric("new_members", _l("New members"), "firsts", "workers", "count"),
    Metric("new_members_cumulative", _l("New members since the start"), "firsts", "workers", "count", snapshot=True),
    Metric("developed_by_project_unions", _l("Developed through project unions"), "firsts", "workers", "count"),
    Metric(
        "developed_by_project_unions_cumulative",
        _l("Developed through project unions since the start"),
        "firsts",
        "workers",
        "count",
        snapshot=True,
    ),
    Metric(
        "unions_founded", _l("Project unions founded"), "unions", "unions", "distinct", dimensions=_NOT_PERSONAL,
        section="unions",
    ),
    Metric(
        "unions_dissolved", _l("Project unions dissolved"), "unions", "unions", "distinct", dimensions=_NOT_PERSONAL,
        section="unions",
    ),
    Metric(
        "unions_active", _l("Project unions active"), "unions", "unions", "distinct", snapshot=True,
        dimensions=_NOT_PERSONAL, section="unions",
    ),
    Metric(
        "wage_cases_resolved", _l("Wage cases resolved"), "wage_cases", "wage_cases", "count",
        dimensions=_NOT_PERSONAL, section="wage_cases",
    ),
    Metric(
        "wages_recovered", _l("Wages recovered (yuan)"), "wage_cases", "wage_cases", "money",
        dimensions=_NOT_PERSONAL, section="wage_cases",
    ),
    Metric("workers_helped", _l("Workers helped"), "wage_workers", "workers", "distinct", section="wage_cases"),
    *_service_metrics(),
)  # fmt: skip

BY_NAME = {m.name: m for m in METRICS}
SECTIONS = {
    "members": _l("Members"),
    "unions": _l("Project unions"),
    "wage_cases": _l("Wage cases"),
    "services": _l("Services"),
}


def metric(name: str) -> Metric:
    try:
        return BY_NAME[name]
    except KeyError:
        raise NotFound(_l("There is no total called “%(name)s”.", name=name)) from None


# ---------------------------------------------------------------------------
# Period and scope
# ---------------------------------------------------------------------------


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


def can_view_reports(user: User | None) -> bool:
    """City staff and administrators see every total; district and town staff those of their jurisdiction."""
    if user is None:
        return False
    if user.role == "union_staff":
        return user.jurisdiction is not None
    return user.role in REPORT_ROLES


def city(session: so.Session) -> Jurisdiction | None:
    return session.scalars(
        sa.select(Jurisdiction).where(Jurisdiction.parent_id.is_(None)).order_by(Jurisdiction.id)
    ).first()


def resolve_scope(session: so.Session, actor: User | None, code: str | None = None) -> Jurisdiction | None:
    """The jurisdiction whose totals are asked for: by default the actor's own, or the whole city.

    ``actor=None`` is the command line (an operator with access to the database itself).
    """
    if actor is not None and not can_view_reports(actor):
        raise PermissionDenied(_l("Only union and city staff can see the totals."))
    own = actor.jurisdiction if actor is not None and actor.role == "union_staff" else None
    code = (code or "").strip()
    if code:
        scope = session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == code)).first()
        if scope is None:
            raise ValidationError({"jurisdiction": _l("There is no jurisdiction with the code %(code)s.", code=code)})
    else:
        scope = own or city(session)
    if own is not None and not own.contains(scope):
        raise PermissionDenied(_l("You can only see the totals of %(place)s and the places under it.", place=own.name))
    return scope


def scope_choices(session: so.Session, actor: User | None) -> list[Jurisdiction]:
    """The jurisdictions the actor may choose, in tree order (city, then each district and its towns)."""
    own = actor.jurisdiction if actor is not None and actor.role == "union_staff" else None
    query = sa.select(Jurisdiction).order_by(Jurisdiction.path)
    if own is not None:
        query = query.where(Jurisdiction.path.startswith(own.path, autoescape=True))
    return list(session.scalars(query))


# ---------------------------------------------------------------------------
# Periods of a breakdown by year or month
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Sources: the rows behind the totals, the window they fall in, and their groups
# ---------------------------------------------------------------------------


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
        if self.scope is None or self.scope.parent_id is None:
            return []
        return [self.j.c.path.startswith(self.scope.path, autoescape=True)]

    def jurisdiction_key(self, by: str):
        return _district_key(self.j) if by == "district" else _town_key(self.j)

    def needs_place(self, by: str | None, full: bool) -> bool:
        """Whether the rows must be joined to their union's jurisdiction (a whole-city total need not)."""
        return full or by in ("district", "town") or bool(self.in_scope())

    def with_place(self, frm, union_id, by: str | None, full: bool, union_needed: bool = False):
        if union_needed or self.needs_place(by, full):
            frm = frm.join(self.u, self.u.c.id == union_id)
        if self.needs_place(by, full):
            frm = frm.join(self.j, self.j.c.id == self.u.c.jurisdiction_id)
        return frm

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

    @abc.abstractmethod
    def key(self, by: str) -> sa.ColumnElement:
        """The group of a row in a breakdown by anything but year or month."""

    # for drill-down lists
    worker: sa.ColumnElement | None = None
    row_id: sa.ColumnElement

    def aggregate(self, metric: Metric, first, last) -> sa.ColumnElement:
        value = self.value(metric)
        cond = self.condition(metric, first, last)
        if metric.money:
            agg = sa.func.sum(sa.func.round(value * 100))
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
        if by in PERSON_DIMENSIONS:
            frm = frm.join(self.w, self.w.c.id == self.m.c.worker_id)
        return frm

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

    def key(self, by):
        if by in ("district", "town"):
            return self.jurisdiction_key(by)
        return {"trade": self.w.c.trade, "origin": self.w.c.origin_province_code, "contractor": self.m.c.contractor_id}[
            by
        ]


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

    def key(self, by):
        if by in ("district", "town"):
            return self.jurisdiction_key(by)
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

    def key(self, by):
        if by in ("district", "town"):
            return self.jurisdiction_key(by)
        return self.wc.c.contractor_id


class _WageWorkers(_WageCases):
    """The workers involved in the wage cases resolved in the window."""

    def __init__(self, scope, dialect):
        super().__init__(scope, dialect)
        self.cw = wage_case_workers.alias("cw")
        self.worker = self.cw.c.worker_id

    def from_(self, by, full=False):
        frm = super().from_(by, full).join(self.cw, self.cw.c.wage_case_id == self.wc.c.id)
        if by in PERSON_DIMENSIONS:
            frm = frm.join(self.w, self.w.c.id == self.cw.c.worker_id)
        return frm

    def value(self, metric):
        return self.cw.c.worker_id

    def key(self, by):
        if by in PERSON_DIMENSIONS:
            return self.w.c.trade if by == "trade" else self.w.c.origin_province_code
        return super().key(by)


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
        s = self.s
        frm = self.with_place(s, s.c.union_id, by, full)
        if by in PERSON_DIMENSIONS:
            frm = frm.join(self.w, self.w.c.id == s.c.worker_id)
        return frm

    def where(self, first, last, metrics=()):
        s = self.s
        return [s.c.served_on >= first, s.c.served_on <= last, *self.in_scope()]

    def condition(self, metric, first, last):
        return self.s.c.kind == metric.kind

    def value(self, metric):
        s = self.s
        return {"person_times": s.c.id, "people": s.c.worker_id, "amount": s.c.amount}[metric.name.rsplit(".", 1)[1]]

    def key(self, by):
        if by in ("district", "town"):
            return self.jurisdiction_key(by)
        return self.w.c.trade if by == "trade" else self.w.c.origin_province_code


SOURCES: dict[str, type[_Source]] = {
    "members": _Members,
    "firsts": _Firsts,
    "unions": _Unions,
    "wage_cases": _WageCases,
    "wage_workers": _WageWorkers,
    "services": _Services,
}


def _number(metric: Metric, raw: Any) -> int | Decimal:
    if metric.money:
        return (Decimal(int(raw or 0)) / 100).quantize(Decimal("0.01"))
    return int(raw or 0)


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


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


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


def nest(values: dict[str, Any]) -> dict[str, Any]:
    """{"services.training.people": 3} → {"services": {"training": {"people": 3}}}."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        *parents, leaf = name.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = jsonable(value)
    return out


def select_metrics(names: Sequence[str] | None = None, section: str | None = None) -> list[Metric]:
    if names:
        return [metric(n) for n in names]
    return [m for m in METRICS if section is None or m.section == section]


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
            label = _l("Unions of the city itself") if by == "district" else _l("Unions above town level")
            rows.append(Row("", label, values(None)))
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
        rows.append(Row("", {"trade": _l("Trade not recorded"), "contractor": _l("No contractor recorded")}.get(by, "—"),
                        values(None)))  # fmt: skip
    return rows


def _places(session: so.Session, scope: Jurisdiction | None, level: str) -> list[Jurisdiction]:
    """The districts or towns a breakdown lists: those in the scope, or the scope's own district."""
    if scope is not None and level == "district" and scope.level == "town":
        return [scope.parent] if scope.parent is not None else []
    query = sa.select(Jurisdiction).where(Jurisdiction.level == level).order_by(Jurisdiction.code)
    if scope is not None:
        query = query.where(Jurisdiction.path.startswith(scope.path, autoescape=True))
    return list(session.scalars(query))


# ---------------------------------------------------------------------------
# Drill-down: the people, unions, cases or services behind a number
# ---------------------------------------------------------------------------


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


@dataclass
class _Drill:
    stmt: sa.Select  # the rows, ordered
    count: sa.Select
    columns: list[tuple[str, Any]]
    amount: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _group_filter(session, src: _Source, scope, by: str, key: str, items: Sequence[Bucket]):
    """(window, condition, label) of one group of a breakdown, or NotFound."""
    if by in TIME_DIMENSIONS:
        for b in items:
            if b.key == key:
                return (b.first, b.last), None, b.key
        raise NotFound(_l("This period is not part of the report."))
    expr = src.key(by)
    if key == "":
        label = {
            "district": _l("Unions of the city itself"),
            "town": _l("Unions above town level"),
            "trade": _l("Trade not recorded"),
            "contractor": _l("No contractor recorded"),
        }.get(by, "—")
        return None, expr.is_(None), label
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
    stmt = (
        sa.select(
            w.c.id_masked,
            w.c.name,
            w.c.trade,
            w.c.origin_province_code,
            un.c.name.label("union"),
            place.c.name.label("place"),
            r.c[src.row_date].label("date"),
        )
        .select_from(
            picked.join(w, w.c.id == picked.c.worker_id)
            .join(r, r.c.id == picked.c.row_id)
            .join(un, un.c.id == r.c.union_id)
            .join(place, place.c.id == un.c.jurisdiction_id)
        )
        .order_by(w.c.name, w.c.id)
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
    return _Drill(stmt, sa.select(sa.func.count()).select_from(picked), columns)


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
    stmt = (
        sa.select(
            un.c.name.label("union"),
            place.c.name.label("place"),
            project.c.name.label("project"),
            contractor.c.name.label("contractor"),
            r.c.on.label("date"),
            r.c.to_state.label("state"),
        )
        .select_from(
            picked.join(un, un.c.id == picked.c.union_id)
            .join(r, r.c.id == picked.c.row_id)
            .join(place, place.c.id == un.c.jurisdiction_id)
            .outerjoin(project, project.c.id == un.c.project_id)
            .outerjoin(contractor, contractor.c.id == project.c.general_contractor_id)
        )
        .order_by(un.c.name, un.c.id)
    )
    columns = [
        ("union", _l("Union")),
        ("place", _l("Jurisdiction")),
        ("project", _l("Project")),
        ("contractor", _l("General contractor")),
        ("date", src.date_label),
        ("state", _l("State after the change")),
    ]
    return _Drill(stmt, sa.select(sa.func.count()).select_from(picked), columns)


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
        .order_by(wc.c.resolved_on, wc.c.id)
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
    count = sa.select(sa.func.count()).select_from(frm).where(*where)
    total = sa.select(sa.func.sum(sa.func.round(wc.c.amount_recovered * 100))).select_from(frm).where(*where)
    return _Drill(stmt, count, columns, amount="amount", extra={"sum": total})


def _list_services(src: _Source, frm, where, metric: Metric) -> _Drill:
    assert isinstance(src, _Services)
    s = src.s
    w = Worker.__table__.alias("person")
    stmt = (
        sa.select(
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
        .order_by(s.c.served_on, s.c.id)
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
    count = sa.select(sa.func.count()).select_from(frm).where(*where)
    total = sa.select(sa.func.sum(sa.func.round(s.c.amount * 100))).select_from(frm).where(*where)
    return _Drill(stmt, count, columns, amount="amount", extra={"sum": total})


def _present(row: sa.Row, columns: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(row._mapping)
    if "origin_province_code" in data:
        data["origin"] = PROVINCES.get(data["origin_province_code"], data["origin_province_code"])
    if "kind" in data:
        data["kind"] = SERVICE_KIND_LABELS.get(data["kind"], data["kind"])
    if data.get("amount") is not None:
        data["amount"] = Decimal(str(data["amount"])).quantize(Decimal("0.01"))
    return {name: data.get(name) for name, _label in columns}


def drill(
    session: so.Session,
    period: Period,
    scope: Jurisdiction | None,
    metric_name: str,
    by: str | None = None,
    key: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Listing:
    """One page of the people (masked IDs), unions, cases or services behind a number.

    ``by=None`` lists those behind the total; with ``by``, those behind the
    group ``key`` ('' is the group where nothing is recorded).
    """
    m = metric(metric_name)
    spec, group_label = _drill(session, period, scope, m, by, key)
    count = int(session.scalar(spec.count) or 0)
    page = min(max(1, page), max(1, -(-count // per_page)))  # a page past the end shows the last one
    rows = [_present(r, spec.columns) for r in session.execute(spec.stmt.limit(per_page).offset((page - 1) * per_page))]
    money = _number(m, session.scalar(spec.extra["sum"])) if "sum" in spec.extra else None
    return Listing(m, by, key, group_label, spec.columns, rows, count, page, per_page, money)


def drill_all(
    session: so.Session, period: Period, scope: Jurisdiction | None, metric_name: str, by=None, key=None
) -> tuple[Listing, Iterator[dict[str, Any]]]:
    """Every row behind a number, streamed (for exports); the listing carries the columns and count."""
    m = metric(metric_name)
    spec, group_label = _drill(session, period, scope, m, by, key)
    count = int(session.scalar(spec.count) or 0)
    listing = Listing(m, by, key, group_label, spec.columns, [], count, 1, max(count, 1))

    def rows() -> Iterator[dict[str, Any]]:
        result = session.execute(spec.stmt.execution_options(yield_per=2000))
        for r in result:
            yield _present(r, spec.columns)

    return listing, rows()
