"""Coverage (the survey, 摸排): the coverage table of docs/domain.md, on any day D.

- A site is *under construction on D* when its project's state on D (the
  ``to_state`` of its last project state change dated on or before D, ties by
  the order they were recorded) is ``under_construction`` or ``halted``.
- Its union is *founded on D* when the union has a ``found`` state change dated
  on or before D.
- A worker is *on a site on D* when a crew they are in on D (crew member row
  ``joined_on <= D`` and ``left_on`` empty or on or after D) has an entry on
  that site with ``entered_on <= D`` and ``exited_on`` empty or on or after D:
  the exit day still counts, the day after it does not. An entry of one
  worker alone (``worker_id`` set) is not a crew on the site and does not count.
- A worker on a site is a *member* on D with a membership in force on D in any
  union (the same rule as the other totals); a pending application is not one.

Like every other total, nothing here reads today's states: only the dates of
the events. The rates are numerator ÷ denominator, None when nothing is
counted. Breakdowns by site, town, district, contractor (a site's general
contractor, a worker's crew's company) and trade (a worker's); a worker on two
sites counts on each and once in the total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.exceptions import NotFound, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import ACTIVATED, PROJECT, UNION
from projectunion.models import (
    Contractor,
    Crew,
    CrewMember,
    Jurisdiction,
    Membership,
    Project,
    SiteEntry,
    StateChange,
    SurveyDecline,
    Union,
    User,
    Worker,
    user_unions,
)
from projectunion.models.memberships import in_force_on
from projectunion.reporting.drilldown import Listing
from projectunion.reporting.metrics import Metric
from projectunion.reporting.period import Period, buckets
from projectunion.reporting.scope import within
from projectunion.reporting.sorting import Key, Sort, SortKeys, rank

UNDER_CONSTRUCTION = ("under_construction", "halted")
#: How a coverage report may be broken down.
COVERAGE_DIMENSIONS = ("site", "town", "district", "contractor", "trade")
COVERAGE_DIMENSION_LABELS = {
    "site": _l("Site"),
    "town": _l("Town / street"),
    "district": _l("District"),
    "contractor": _l("Contractor"),
    "trade": _l("Trade"),
}
_SITE_DIMENSIONS = ("site", "town", "district", "contractor")

#: App config keys and their defaults.
GRACE_DAYS_KEY, GRACE_DAYS_DEFAULT = "SURVEY_FOUNDING_GRACE_DAYS", 30
DECLINED_DAYS_KEY, DECLINED_DAYS_DEFAULT = "SURVEY_DECLINED_DAYS", 90

COVERAGE_METRICS: tuple[Metric, ...] = (
    Metric("sites_under_construction", _l("Sites under construction"), "sites", "sites", "count",
           snapshot=True, dimensions=_SITE_DIMENSIONS, section="coverage"),
    Metric("sites_founded", _l("Sites with a founded union"), "sites", "sites", "count",
           snapshot=True, dimensions=_SITE_DIMENSIONS, section="coverage"),
    Metric("sites_not_founded", _l("Sites without a founded union"), "sites", "sites", "count",
           snapshot=True, dimensions=_SITE_DIMENSIONS, section="coverage"),
    Metric("workers_on_site", _l("Workers on site"), "site_workers", "workers", "distinct",
           snapshot=True, dimensions=COVERAGE_DIMENSIONS, section="coverage"),
    Metric("members_on_site", _l("Members on site"), "site_workers", "workers", "distinct",
           snapshot=True, dimensions=COVERAGE_DIMENSIONS, section="coverage"),
    Metric("workers_not_members", _l("Workers on site not yet members"), "site_workers", "workers", "distinct",
           snapshot=True, dimensions=COVERAGE_DIMENSIONS, section="coverage"),
)  # fmt: skip
COVERAGE_BY_NAME = {m.name: m for m in COVERAGE_METRICS}


@dataclass(frozen=True)
class Rate:
    name: str
    label: Any
    numerator: str
    denominator: str
    #: the metric behind the part not covered (its drill-down is the worklist)
    remainder: str


RATES = (
    Rate("founding_rate", _l("Founding rate"), "sites_founded", "sites_under_construction", "sites_not_founded"),
    Rate("membership_rate", _l("Membership rate"), "members_on_site", "workers_on_site", "workers_not_members"),
)
RATES_BY_NAME = {r.name: r for r in RATES}


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator to four places (0.8125 is 81.25 %), None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def coverage_metric(name: str) -> Metric:
    try:
        return COVERAGE_BY_NAME[name]
    except KeyError:
        raise NotFound(_l("There is no total called “%(name)s”.", name=name)) from None


@dataclass(frozen=True)
class Filter:
    """Which sites and workers: a jurisdiction (None: the whole city), one project, one contractor."""

    scope: Jurisdiction | None = None
    project_id: int | None = None
    contractor_id: int | None = None


# --- the rows on day D ------------------------------------------------------------


def _state_on(sc, machine: str, object_id, on: dt.date) -> sa.ScalarSelect:
    """The object's state on day D: the ``to_state`` of its last change dated on or before D (ties: as recorded)."""
    return (
        sa.select(sc.c.to_state)
        .where(sc.c.machine == machine, sc.c.object_id == object_id, sc.c.on <= on)
        .order_by(sc.c.on.desc(), sc.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _first_on(sc, machine: str, object_id, event: str, on: dt.date) -> sa.ScalarSelect:
    """The day of the object's first ``event`` dated on or before D (None: not yet)."""
    return (
        sa.select(sa.func.min(sc.c.on))
        .where(sc.c.machine == machine, sc.c.object_id == object_id, sc.c.event == event, sc.c.on <= on)
        .scalar_subquery()
    )


def sites_on(on: dt.date, filt: Filter) -> sa.Subquery:
    """Every registered project in the filter on day D with its state, founding and start on D."""
    p = Project.__table__.alias("p")
    town = Jurisdiction.__table__.alias("town")
    u = Union.__table__.alias("u")
    ps = StateChange.__table__.alias("ps")
    us = StateChange.__table__.alias("us")
    state = _state_on(ps, "project", p.c.id, on)
    started = _first_on(ps, "project", p.c.id, "start", on)
    founded = _first_on(us, "union", u.c.id, "found", on)
    union_state = _state_on(us, "union", u.c.id, on)
    where = within(filt.scope, town.c.path)
    if filt.project_id is not None:
        where.append(p.c.id == filt.project_id)
    if filt.contractor_id is not None:
        where.append(p.c.general_contractor_id == filt.contractor_id)
    return (
        sa.select(
            p.c.id.label("project_id"),
            p.c.town_id,
            town.c.parent_id.label("district_id"),
            p.c.general_contractor_id.label("contractor_id"),
            u.c.id.label("union_id"),
            state.label("state"),
            started.label("started_on"),
            founded.label("founded_on"),
            union_state.label("union_state"),
        )
        .select_from(p.join(town, town.c.id == p.c.town_id).outerjoin(u, u.c.project_id == p.c.id))
        .where(*where)
        .subquery("sites")
    )


def _in_force(m, worker_id, on: dt.date) -> sa.ColumnElement:
    return sa.exists().where(m.c.worker_id == worker_id, *in_force_on(m.c, on))


def workers_on(on: dt.date, filt: Filter) -> sa.Subquery:
    """One row per worker, site and crew on day D, with whether the worker is a member on D."""
    se = SiteEntry.__table__.alias("se")
    cm = CrewMember.__table__.alias("cm")
    crew = Crew.__table__.alias("crew")
    w = Worker.__table__.alias("w")
    p = Project.__table__.alias("p")
    town = Jurisdiction.__table__.alias("town")
    m = Membership.__table__.alias("m")
    where = [
        se.c.worker_id.is_(None),
        se.c.entered_on <= on,
        sa.or_(se.c.exited_on.is_(None), se.c.exited_on >= on),
        cm.c.joined_on <= on,
        sa.or_(cm.c.left_on.is_(None), cm.c.left_on >= on),
        *within(filt.scope, town.c.path),
    ]
    if filt.project_id is not None:
        where.append(se.c.project_id == filt.project_id)
    if filt.contractor_id is not None:
        where.append(crew.c.contractor_id == filt.contractor_id)
    return (
        sa.select(
            se.c.project_id,
            cm.c.worker_id,
            se.c.crew_id,
            crew.c.contractor_id,
            w.c.trade,
            p.c.town_id,
            town.c.parent_id.label("district_id"),
            se.c.entered_on,
            _in_force(m, cm.c.worker_id, on).label("covered"),
        )
        .select_from(
            se.join(cm, cm.c.crew_id == se.c.crew_id)
            .join(crew, crew.c.id == se.c.crew_id)
            .join(w, w.c.id == cm.c.worker_id)
            .join(p, p.c.id == se.c.project_id)
            .join(town, town.c.id == p.c.town_id)
        )
        .where(*where)
        .subquery("on_site")
    )


#: The column of ``sites_on`` / ``workers_on`` each breakdown groups by (sites have no trade).
_KEY_COLUMNS = {
    "site": "project_id",
    "town": "town_id",
    "district": "district_id",
    "contractor": "contractor_id",
    "trade": "trade",
}


def _group_key(rows: sa.Subquery, by: str) -> sa.ColumnElement:
    return rows.c[_KEY_COLUMNS[by]]


def _site_counts(s) -> list[sa.ColumnElement]:
    building = s.c.state.in_(UNDER_CONSTRUCTION)
    return [
        sa.func.count().filter(building),
        sa.func.count().filter(building, s.c.founded_on.is_not(None)),
    ]


def _worker_counts(r) -> list[sa.ColumnElement]:
    return [sa.func.count(sa.distinct(r.c.worker_id)), sa.func.count(sa.distinct(r.c.worker_id)).filter(r.c.covered)]


def _values(sites: Sequence[Any] | None, people: Sequence[Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sites is not None:
        building, founded = (int(v or 0) for v in sites)
        out.update(sites_under_construction=building, sites_founded=founded, sites_not_founded=building - founded)
    if people is not None:
        total, covered = (int(v or 0) for v in people)
        out.update(workers_on_site=total, members_on_site=covered, workers_not_members=total - covered)
    for r in RATES:
        if r.denominator in out:
            out[r.name] = rate(out[r.numerator], out[r.denominator])
    return out


def _none_values(by: str) -> dict[str, Any]:
    """What does not apply (a site has no trade): None, not 0."""
    names = [m.name for m in COVERAGE_METRICS] + [r.name for r in RATES]
    return dict.fromkeys(names)


def coverage_totals(session: so.Session, on: dt.date, filt: Filter = Filter()) -> dict[str, Any]:
    """The counts and the two rates on day D."""
    s = sites_on(on, filt)
    r = workers_on(on, filt)
    sites = session.execute(sa.select(*_site_counts(s))).one()
    people = session.execute(sa.select(*_worker_counts(r))).one()
    return _values(sites, people)


@dataclass
class CoverageRow:
    key: str
    label: Any
    values: dict[str, Any]


@dataclass
class CoverageReport:
    on: dt.date
    filt: Filter
    by: str | None
    rows: list[CoverageRow]
    total: CoverageRow
    trend: list[CoverageRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "as_of": self.on.isoformat(),
            "jurisdiction": None
            if self.filt.scope is None
            else {"code": self.filt.scope.code, "name": self.filt.scope.name},
            "project_id": self.filt.project_id,
            "contractor_id": self.filt.contractor_id,
            "by": self.by,
            "totals": rates_dict(self.total.values),
        }
        if self.by is not None:
            data["rows"] = [{"key": r.key, "label": str(r.label), **rates_dict(r.values)} for r in self.rows]
        if self.trend:
            data["trend"] = [{"month": r.key, **rates_dict(r.values)} for r in self.trend]
        return data


def rates_dict(values: dict[str, Any], plain: bool = True) -> dict[str, Any]:
    """The two rates, each with its numerator and denominator (a rate as a number or null; ``plain``: a float
    for JSON, else the Decimal, for the API's models)."""
    out: dict[str, Any] = {}
    for r in RATES:
        value = values.get(r.name)
        out[r.name] = {
            "rate": float(value) if plain and value is not None else value,
            "numerator": values.get(r.numerator),
            "denominator": values.get(r.denominator),
        }
    return out


def _labels(session: so.Session, by: str, keys: Sequence[Any]) -> dict[Any, tuple[str, Any]]:
    """(link key, label) of each group."""
    ids = [k for k in keys if k is not None]
    if by == "site":
        return {
            i: (str(i), n) for i, n in session.execute(sa.select(Project.id, Project.name).where(Project.id.in_(ids)))
        }
    if by in ("town", "district"):
        return {
            i: (c, n)
            for i, c, n in session.execute(
                sa.select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.id.in_(ids))
            )
        }
    if by == "contractor":
        return {
            i: (str(i), n)
            for i, n in session.execute(sa.select(Contractor.id, Contractor.name).where(Contractor.id.in_(ids)))
        }
    return {k: (k, k) for k in ids}


def _unrecorded(by: str) -> Any:
    return {"trade": _l("Trade not recorded"), "contractor": _l("No contractor recorded")}.get(by, "—")


def coverage_report(
    session: so.Session,
    on: dt.date,
    filt: Filter = Filter(),
    by: str | None = None,
    trend: Period | None = None,
) -> CoverageReport:
    """The counts and rates on day D, broken down by ``by``; with ``trend``, also on the last day of each month."""
    if by is not None and by not in COVERAGE_DIMENSIONS:
        raise ValidationError({"by": _l("Choose how to break the totals down.")})
    total = CoverageRow("", _l("Total"), coverage_totals(session, on, filt))
    rows: list[CoverageRow] = []
    if by is not None:
        grouped: dict[Any, dict[str, Any]] = {}
        if by in _SITE_DIMENSIONS:
            s = sites_on(on, filt)
            key = _group_key(s, by)
            for k, *values in session.execute(sa.select(key, *_site_counts(s)).group_by(key)):
                grouped.setdefault(k, {}).update(_values(values, None))
        r = workers_on(on, filt)
        key = _group_key(r, by)
        for k, *values in session.execute(sa.select(key, *_worker_counts(r)).group_by(key)):
            grouped.setdefault(k, {}).update(_values(None, values))
        labels = _labels(session, by, list(grouped))
        base = _none_values(by) if by == "trade" else _values((0, 0), (0, 0))
        for k, values in grouped.items():
            if not any(v for name, v in values.items() if name in ("sites_under_construction", "workers_on_site")):
                continue
            link, label = labels.get(k, ("", _unrecorded(by))) if k is not None else ("", _unrecorded(by))
            rows.append(CoverageRow(link, label, {**base, **values}))
        rows.sort(key=lambda row: (row.key == "", str(row.label)))
    months = []
    if trend is not None:
        for b in buckets(trend, "month"):
            months.append(CoverageRow(b.key, b.key, coverage_totals(session, b.last, filt)))
    return CoverageReport(on, filt, by, rows, total, months)


# --- drill-down: the sites and people behind a number ---------------------------------


SITE_COLUMNS = [
    ("project", _l("Site")),
    ("permit_no", _l("Permit no.")),
    ("district", _l("District")),
    ("town", _l("Town / street")),
    ("contractor", _l("General contractor")),
    ("officers", _l("Officer responsible")),
    ("state", _l("State on the day")),
    ("started_on", _l("Started on")),
    ("days_since_start", _l("Days since start")),
    ("union_state", _l("Union")),
    ("founded_on", _l("Founded on")),
]
WORKER_COLUMNS = [
    ("id_masked", _l("ID number")),
    ("name", _l("Name")),
    ("trade", _l("Trade")),
    ("project", _l("Site")),
    ("crew", _l("Crew")),
    ("contractor", _l("Contractor")),
    ("entered_on", _l("Entered the site")),
    ("union", _l("Member of")),
    ("pending", _l("Pending application")),
    ("declined_on", _l("Declined on")),
]
#: The order of the lists when no column is asked for: sites by the day they started, people by site and crew.
SITE_DEFAULT_SORT, WORKER_DEFAULT_SORT = "started_on", "project"


def _in_group(
    session: so.Session, rows: sa.Subquery, by: str | None, key: str | None
) -> tuple[list[sa.ColumnElement], Any]:
    """The condition of the rows in the group ``key`` of a breakdown ``by``, and the group's label (none, None:
    the list is behind the total)."""
    if by is None:
        return [], None
    expr, key = _group_key(rows, by), key or ""
    if key == "":
        return [expr.is_(None)], _unrecorded(by)
    if by in ("town", "district"):
        place = session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == key)).first()
        if place is None or place.level != by:
            raise NotFound(_l("This place is not part of the report."))
        return [expr == place.id], place.name
    if by in ("site", "contractor"):
        model = Project if by == "site" else Contractor
        obj = session.get(model, int(key)) if key.isdigit() else None
        if obj is None:
            raise NotFound()
        return [expr == obj.id], obj.name
    return [expr == key], key


def _officer_of_union() -> list[sa.ColumnElement]:
    """An officer responsible for a site: an active officer account assigned to its union."""
    return [User.role == "officer", User.is_active.is_(True)]


def _officers(session: so.Session, union_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    ids = [i for i in union_ids if i is not None]
    if ids:
        for union_id, name in session.execute(
            sa.select(user_unions.c.union_id, User.display_name)
            .join(User, User.id == user_unions.c.user_id)
            .where(user_unions.c.union_id.in_(ids), *_officer_of_union())
            .order_by(User.display_name)
        ):
            out.setdefault(union_id, []).append(name)
    return {k: "、".join(v) for k, v in out.items()}


def _site_stmt(on: dt.date, filt: Filter, conditions: Sequence[sa.ColumnElement], s=None) -> tuple[sa.Select, SortKeys]:
    """The sites, not yet ordered, and how each column sorts."""
    s = s if s is not None else sites_on(on, filt)
    p = Project.__table__.alias("project")
    town = Jurisdiction.__table__.alias("place")
    district = Jurisdiction.__table__.alias("district")
    contractor = Contractor.__table__.alias("contractor")
    first_officer = (  # the officers are shown by name, so the first one shown
        sa.select(sa.func.min(User.display_name))
        .select_from(user_unions.join(User, User.id == user_unions.c.user_id))
        .where(user_unions.c.union_id == s.c.union_id, *_officer_of_union())
        .scalar_subquery()
    )
    keys = SortKeys(
        {
            "project": [p.c.name],
            "permit_no": [p.c.permit_no],
            "district": [district.c.name],
            "town": [town.c.name],
            "contractor": [contractor.c.name],
            "officers": [first_officer],
            "state": [rank(s.c.state, PROJECT.states)],
            "started_on": [s.c.started_on, p.c.name],
            "days_since_start": [Key(s.c.started_on, reverse=True)],
            "union_state": [rank(s.c.union_state, UNION.states)],
            "founded_on": [s.c.founded_on],
        },
        ties=[p.c.id],
        default=SITE_DEFAULT_SORT,
    )
    stmt = (
        sa.select(
            s.c.project_id,
            s.c.union_id,
            p.c.name.label("project"),
            p.c.permit_no,
            p.c.planned_start,
            district.c.name.label("district"),
            town.c.name.label("town"),
            contractor.c.name.label("contractor"),
            s.c.state,
            s.c.started_on,
            s.c.founded_on,
            s.c.union_state,
        )
        .select_from(
            s.join(p, p.c.id == s.c.project_id)
            .join(town, town.c.id == s.c.town_id)
            .outerjoin(district, district.c.id == s.c.district_id)
            .outerjoin(contractor, contractor.c.id == s.c.contractor_id)
        )
        .where(*conditions)
    )
    return stmt, keys


def _site_rows(session: so.Session, on: dt.date, stmt: sa.Select) -> list[dict[str, Any]]:
    found = [dict(r._mapping) for r in session.execute(stmt)]
    officers = _officers(session, [r["union_id"] for r in found])
    for r in found:
        r["officers"] = officers.get(r["union_id"], "")
        r["days_since_start"] = (on - r["started_on"]).days if r["started_on"] else None
    return found


def sites_list(
    session: so.Session,
    on: dt.date,
    filt: Filter = Filter(),
    *,
    which: str = "sites_under_construction",
    min_days: int | None = None,
    by: str | None = None,
    key: str | None = None,
    sort: Sort | None = None,
) -> tuple[list[dict[str, Any]], Any]:
    """The sites behind a number on day D (``which``: a site metric, or ``not_started``), with the group's label.

    ``min_days``: only the sites started at least that many days before D (the worklist's grace period).
    ``sort``: by one of ``SITE_COLUMNS`` (else by the day they started).
    """
    s = sites_on(on, filt)
    building = s.c.state.in_(UNDER_CONSTRUCTION)
    conditions = {
        "sites_under_construction": [building],
        "sites_founded": [building, s.c.founded_on.is_not(None)],
        "sites_not_founded": [building, s.c.founded_on.is_(None)],
        "not_started": [s.c.state == "planned"],
    }[which]
    if min_days is not None:
        conditions = [*conditions, s.c.started_on <= on - dt.timedelta(days=min_days)]
    if by is not None and by not in _SITE_DIMENSIONS:
        raise ValidationError({"by": _l("This total cannot be broken down that way.")})
    group, label = _in_group(session, s, by, key)
    stmt, keys = _site_stmt(on, filt, [*conditions, *group], s)
    return _site_rows(session, on, stmt.order_by(*keys.order_by(keys.resolve(sort)))), label


def _worker_stmt(on: dt.date, filt: Filter, conditions: Sequence[sa.ColumnElement], declined_days: int, r=None):
    r = r if r is not None else workers_on(on, filt)
    w = Worker.__table__.alias("person")
    p = Project.__table__.alias("project")
    crew = Crew.__table__.alias("crew_")
    contractor = Contractor.__table__.alias("contractor")
    m = Membership.__table__.alias("mm")
    un = Union.__table__.alias("un")
    app = Membership.__table__.alias("app")
    d = SurveyDecline.__table__.alias("d")

    def member_of(column) -> sa.ScalarSelect:
        return (
            sa.select(column)
            .select_from(m.join(un, un.c.id == m.c.union_id))
            .where(m.c.worker_id == r.c.worker_id, *in_force_on(m.c, on))
            .order_by(m.c.joined_on.desc(), m.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    union_name = member_of(un.c.name)
    pending = sa.exists().where(
        app.c.worker_id == r.c.worker_id,
        app.c.applied_on <= on,
        sa.or_(app.c.state == "pending", sa.and_(app.c.state.in_(ACTIVATED), app.c.joined_on > on)),
    )
    declined = (
        sa.select(sa.func.max(d.c.declined_on))
        .where(
            d.c.project_id == r.c.project_id,
            d.c.worker_id == r.c.worker_id,
            d.c.declined_on <= on,
            d.c.declined_on > on - dt.timedelta(days=declined_days),
        )
        .scalar_subquery()
    )
    keys = SortKeys(
        {
            "id_masked": [w.c.id_masked],
            "name": [w.c.name],
            "trade": [w.c.trade],
            "project": [p.c.name, p.c.id, crew.c.name, w.c.name],
            "crew": [crew.c.name],
            "contractor": [contractor.c.name],
            "entered_on": [r.c.entered_on],
            "union": [union_name],
            "pending": [sa.case((pending, 1), else_=0)],
            "declined_on": [declined],
        },
        ties=[w.c.id, p.c.id, crew.c.id],
        default=WORKER_DEFAULT_SORT,
    )
    stmt = (
        sa.select(
            r.c.worker_id,
            r.c.project_id,
            r.c.crew_id,
            member_of(un.c.id).label("union_id"),
            r.c.covered,
            w.c.id_masked,
            w.c.name,
            w.c.trade,
            p.c.name.label("project"),
            crew.c.name.label("crew"),
            contractor.c.name.label("contractor"),
            r.c.entered_on,
            union_name.label("union"),
            pending.label("pending"),
            declined.label("declined_on"),
        )
        .select_from(
            r.join(w, w.c.id == r.c.worker_id)
            .join(p, p.c.id == r.c.project_id)
            .join(crew, crew.c.id == r.c.crew_id)
            .join(contractor, contractor.c.id == r.c.contractor_id)
        )
        .where(*conditions)
    )
    return stmt, declined, keys


def workers_list(
    session: so.Session,
    on: dt.date,
    filt: Filter = Filter(),
    *,
    which: str = "workers_not_members",
    by: str | None = None,
    key: str | None = None,
    declined_days: int = DECLINED_DAYS_DEFAULT,
    hide_declined: bool = False,
    sort: Sort | None = None,
) -> tuple[list[dict[str, Any]], Any]:
    """The people on site behind a number on day D: one row per worker, site and crew.

    ``hide_declined``: leave out who declined on this site within ``declined_days`` (the worklist).
    ``sort``: by one of ``WORKER_COLUMNS`` (else by site, crew and name).
    """
    r = workers_on(on, filt)
    conditions: list[sa.ColumnElement] = {
        "workers_on_site": [],
        "members_on_site": [r.c.covered],
        "workers_not_members": [~r.c.covered],
    }[which]
    group, label = _in_group(session, r, by, key)
    stmt, declined, keys = _worker_stmt(on, filt, [*conditions, *group], declined_days, r)
    if hide_declined:
        stmt = stmt.where(declined.is_(None))
    stmt = stmt.order_by(*keys.order_by(keys.resolve(sort)))
    rows = []
    for row in session.execute(stmt):
        data = dict(row._mapping)
        data["pending"] = bool(data["pending"])
        data["covered"] = bool(data["covered"])
        rows.append(data)
    return rows, label


def coverage_listing(
    session: so.Session,
    on: dt.date,
    filt: Filter,
    metric_name: str,
    by: str | None = None,
    key: str | None = None,
    declined_days: int = DECLINED_DAYS_DEFAULT,
    sort: Sort | None = None,
) -> tuple[Listing, Iterator[dict[str, Any]]]:
    """Every site or person behind a coverage number, as a drill-down listing (the columns, the count) and rows,
    sorted by ``sort`` (a column the list does not have: its default order)."""
    m = coverage_metric(metric_name)
    if by is not None and not m.applies(by):
        raise ValidationError({"by": _l("This total cannot be broken down that way.")})
    if m.lists == "sites":
        rows, label = sites_list(session, on, filt, which=m.name, by=by, key=key, sort=sort)
        columns, default = SITE_COLUMNS, SITE_DEFAULT_SORT
    else:
        rows, label = workers_list(
            session, on, filt, which=m.name, by=by, key=key, declined_days=declined_days, sort=sort
        )
        columns, default = WORKER_COLUMNS, WORKER_DEFAULT_SORT
    applied = sort if sort is not None and sort.column in dict(columns) else Sort(default)
    listing = Listing(m, by, key, label, list(columns), rows, len(rows), 1, max(len(rows), 1), sort=applied)
    return listing, iter(rows)
