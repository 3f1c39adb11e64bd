"""The dashboard's pages. Every number comes from ``projectunion.reporting``; these
views only read the filters, call it, and lay the numbers out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import format_decimal
from flask_login import current_user

from projectunion import exports, permissions, reporting, web
from projectunion.dashboard import bp, lists
from projectunion.dashboard.charts import BLUE, RED, Point, Series, bars, trend
from projectunion.db import get_session
from projectunion.exceptions import PermissionDenied, ValidationError
from projectunion.i18n import _, _l, display_date
from projectunion.models import Jurisdiction

FILTERS = ("jurisdiction", "from", "to", "as_of")
HEADLINE = (
    "new_members",
    "developed_by_project_unions",
    "active_members",
    "members_in_period",
    "unions_founded",
    "unions_active",
    "wage_cases_resolved",
    "wages_recovered",
    "workers_helped",
)
SINCE_THE_START = ("new_members_cumulative", "developed_by_project_unions_cumulative")
CHART_METRICS = ("new_members", "active_members")
#: Bars by origin province and by trade show the largest groups only.
TOP = 10
EXPORTS = {"csv": exports.CSV_MEDIA_TYPE, "xlsx": exports.XLSX_MEDIA_TYPE}
T = TypeVar("T")


@bp.before_request
def staff_only():
    if not permissions.can_view_reports(current_user):
        raise PermissionDenied(_l("Only union and city staff can see the totals."))


@dataclass
class FilterArgs:
    """The filters as asked for (``args``), the jurisdictions one may choose, the scope once checked,
    and ``errors`` per field when they are not valid (the dashboard's and the survey's pages)."""

    args: dict[str, str]
    choices: list[Jurisdiction]
    scope: Jurisdiction | None = None
    errors: dict[str, Any] = field(default_factory=dict)

    def link(self, endpoint: str, **extra: Any) -> str:
        """A URL on the same filters (only those given, so the defaults stay "this year, as of today")."""
        args = {k: v for k, v in self.args.items() if v}
        args.update({k: v for k, v in extra.items() if v is not None})
        return url_for(endpoint, **args)

    def read(self, parse: Callable[[], T]) -> T | None:
        """What ``parse()`` reads, or None with its errors kept: every filter is checked, not only the first."""
        try:
            return parse()
        except ValidationError as exc:
            self.errors.update(exc.fields)
            return None

    def breakdown(self, dimensions: Sequence[str]) -> str:
        """How to break the totals down (by district unless asked), an error kept when it is not one of these."""
        by = request.args.get("by") or "district"
        if by not in dimensions:
            self.errors["by"] = _l("Choose how to break the totals down.")
        return by

    @property
    def place(self) -> str:
        """The scope in a file name: its code, or ``city``."""
        return self.scope.code if self.scope else "city"


@dataclass
class Filters(FilterArgs):
    """The jurisdiction and period asked for, checked; ``errors`` per field when they are not valid."""

    period: reporting.Period | None = None

    @property
    def other_errors(self) -> list[Any]:
        """Errors about something else than the four filters (how to break down, which totals)."""
        return [message for name, message in self.errors.items() if name not in FILTERS]

    def list_link(self, metric: str, by: str | None = None, key: str | None = None) -> str:
        return self.link("dashboard.listing", metric=metric, by=by, key=key if by else None)


def read_filters() -> Filters:
    session = get_session()
    args = {name: request.args.get(name, "").strip() for name in FILTERS}
    filters = Filters(args, reporting.scope_choices(session, current_user))
    filters.scope = filters.read(lambda: reporting.resolve_scope(session, current_user, args["jurisdiction"]))
    filters.period = filters.read(lambda: reporting.make_period(args["from"], args["to"], args["as_of"]))
    return filters


def cell(value: Any) -> str:
    """A number or a date as people read it (money with two decimals, dates in the language's display
    format; the exports keep ISO dates); "—" where a total does not apply."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.00")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_decimal(value, format="#,##0")
    if isinstance(value, dt.date):
        return display_date(value)
    return str(value)


@bp.context_processor
def _helpers():
    return {"cell": cell, "reporting": reporting}


def _invalid(template: str, filters: Filters, **context):
    return render_template(template, f=filters, **context), 400


# -- the dashboard ------------------------------------------------------------------


def _time_breakdown(period: reporting.Period) -> str:
    try:
        return "month" if len(reporting.buckets(period, "month")) <= 36 else "year"
    except ValidationError:
        return "year"


def _points(f: Filters, report: reporting.Report, rows: list[reporting.Row]) -> list[Point]:
    return [
        Point(
            str(r.label),
            {m: r.values[m] for m in CHART_METRICS},
            {m: f.list_link(m, report.by, r.key) for m in CHART_METRICS},
        )
        for r in rows
    ]


def _time_points(f: Filters, report: reporting.Report) -> list[Point]:
    points = []
    for i, r in enumerate(report.rows):
        if report.by == "month":
            year, month = r.key.split("-")
            label, sub = str(int(month)), (year if i == 0 or month == "01" else "")
        else:
            label, sub = r.key, ""
        points.append(
            Point(
                label,
                {m: r.values[m] for m in CHART_METRICS},
                {m: f.list_link(m, report.by, r.key) for m in CHART_METRICS},
                sub=sub,
                title=r.key,
            )
        )
    return points


def _largest(rows: list[reporting.Row]) -> list[reporting.Row]:
    nonzero = [r for r in rows if any(r.values[m] for m in CHART_METRICS)]
    return sorted(nonzero, key=lambda r: (-r.values["active_members"], -r.values["new_members"], str(r.label)))[:TOP]


@bp.get("/")
def index():
    f = read_filters()
    if f.errors:
        return _invalid("dashboard/index.html", f)
    session = get_session()
    headline = reporting.totals(session, f.period, f.scope, reporting.select_metrics([*HEADLINE, *SINCE_THE_START]))
    chart_metrics = reporting.select_metrics(CHART_METRICS)
    over_time = reporting.report(session, f.period, f.scope, _time_breakdown(f.period), chart_metrics, False)
    place_level = "district" if f.scope is None or f.scope.level == "city" else "town"
    by_place = reporting.report(session, f.period, f.scope, place_level, chart_metrics, False)
    by_origin = reporting.report(session, f.period, f.scope, "origin", chart_metrics, False)
    by_trade = reporting.report(session, f.period, f.scope, "trade", chart_metrics, False)

    new = Series("new_members", reporting.BY_NAME["new_members"].label, RED)
    active = Series("active_members", reporting.BY_NAME["active_members"].label, BLUE)
    time_points = _time_points(f, over_time)
    no_data = _("Nothing in this period.")
    charts = {
        "new": trend(time_points, new, "columns", _("New members per %(unit)s", unit=_unit(over_time.by))),
        "active": trend(
            time_points, active, "line", _("Active members at the end of each %(unit)s", unit=_unit(over_time.by))
        ),  # fmt: skip
        "place": bars(_points(f, by_place, by_place.rows), [new, active], no_data),
        "origin": bars(_points(f, by_origin, _largest(by_origin.rows)), [new, active], no_data),
        "trade": bars(_points(f, by_trade, _largest(by_trade.rows)), [new, active], no_data),
    }
    return render_template(
        "dashboard/index.html",
        f=f,
        headline=headline,
        survey=_coverage(f),
        period_metrics=[reporting.BY_NAME[n] for n in HEADLINE],
        since_start=[reporting.BY_NAME[n] for n in SINCE_THE_START],
        charts=charts,
        over_time=over_time,
        place_level=place_level,
        more_origins=len([r for r in by_origin.rows if any(r.values.values())]) > TOP,
        more_trades=len([r for r in by_trade.rows if any(r.values.values())]) > TOP,
    )


#: The dashboard lists this many sites with the lowest membership rate.
WORST_SITES = 5


def _coverage(f: Filters) -> dict[str, Any] | None:
    """The survey's two rates on the period's last day, the worst sites and the year's target (survey pages)."""
    if "survey.index" not in current_app.view_functions:
        return None
    from projectunion.reporting import coverage
    from projectunion.services import survey

    session = get_session()
    on = f.period.last
    report = coverage.coverage_report(session, on, coverage.Filter(f.scope), "site")
    with_workers = [r for r in report.rows if r.values["workers_on_site"]]
    worst = sorted(with_workers, key=lambda r: (r.values["membership_rate"], -r.values["workers_not_members"]))
    args = {"jurisdiction": f.scope.code if f.scope else None, "as_of": on.isoformat()}
    return {
        "on": on,
        "totals": report.total.values,
        "worst": worst[:WORST_SITES],
        "progress": survey.progress(session, f.scope, on),
        "rates": coverage.RATES,
        "link": lambda metric, key=None: url_for(
            "survey.listing", metric=metric, by="site" if key else None, key=key, **args
        ),
    }


def _unit(by: str) -> str:
    return _("month") if by == "month" else _("year")


# -- the breakdown table ------------------------------------------------------------


def _breakdown_args(f: Filters) -> tuple[str, str]:
    by = f.breakdown(reporting.DIMENSIONS)
    section = request.args.get("section") or "members"
    if section not in reporting.SECTIONS:
        f.errors["section"] = _l("Choose which totals to show.")
    return by, section


@bp.get("/table")
def table():
    f = read_filters()
    by, section = _breakdown_args(f)
    if f.errors:
        return _invalid("dashboard/table.html", f, by=by, section=section)
    report = reporting.report(get_session(), f.period, f.scope, by, reporting.select_metrics(section=section))
    rules = {report.total_rule(m) for m in report.metrics} - {"sum"}
    return render_template("dashboard/table.html", f=f, by=by, section=section, report=report, rules=rules)


def download(fmt: str, header: list[Any], rows, title: Any, name: str) -> Response:
    """The table as a ``fmt`` (one of ``EXPORTS``) attachment called ``name``; ``title`` names the sheet."""
    body = exports.csv_bytes(header, rows) if fmt == "csv" else exports.xlsx_bytes(header, rows, title)
    response = Response(body, mimetype=EXPORTS[fmt])
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return response


@bp.get("/table.<fmt>")
def table_export(fmt: str):
    if fmt not in EXPORTS:
        abort(404)
    f = read_filters()
    by, _section = _breakdown_args(f)
    if f.errors:
        return _invalid("dashboard/table.html", f, by=by, section="members", form_endpoint="dashboard.table")
    report = reporting.report(get_session(), f.period, f.scope, by)
    header, rows = exports.report_table(report)
    name = f"totals-{f.place}-{by}-{f.period.start}-{f.period.last}"
    return download(fmt, header, rows, _("Totals by %(by)s", by=reporting.DIMENSION_LABELS[by]), name)


# -- drill-down lists ---------------------------------------------------------------


def drill_args(dimensions: Sequence[str] = reporting.DIMENSIONS) -> tuple[str, str | None, str | None]:
    """The number a list is behind, from the query string: its metric, the breakdown and the group's key."""
    metric = request.args.get("metric", "")
    by = request.args.get("by") or None
    if by is not None and by not in dimensions:
        raise ValidationError({"by": _l("Choose how to break the totals down.")})
    return metric, by, (request.args.get("key", "") if by else None)


#: The cells of a drill-down list that open a page: the person, the union, the project, the wage case.
LIST_LINKS = {
    "name": lists.WORKER,
    "union": lists.UNION,
    "project": lists.Link("project", "project_id", "projects.show", "project_id"),
    "case": lists.Link("union", "union_id", "cases.wage_case", "case_id", value="case"),
}


@bp.get("/list")
def listing():
    f = read_filters()
    if f.errors:
        return _invalid("dashboard/list.html", f, listing=None)
    metric, by, key = drill_args()
    per_page = current_app.config["PAGE_SIZE"]
    found = reporting.drill(
        get_session(), f.period, f.scope, metric, by, key, web.page_number(), per_page, lists.sort_arg()
    )
    page = web.Page(items=found.rows, page=found.page, per_page=per_page, total=found.count)
    return render_template(
        "dashboard/list.html",
        f=f,
        listing=found,
        page=page,
        links=lists.RowLinks(found.rows, LIST_LINKS),
        sort_url=lists.sort_url,
    )


@bp.get("/list.<fmt>")
def listing_export(fmt: str):
    if fmt not in EXPORTS:
        abort(404)
    f = read_filters()
    if f.errors:
        return _invalid("dashboard/list.html", f, listing=None, form_endpoint="dashboard.listing")
    metric, by, key = drill_args()
    found, rows = reporting.drill_all(get_session(), f.period, f.scope, metric, by, key, lists.sort_arg())
    # Every row is read here, inside the request's transaction, not while the file is being sent.
    header, data = exports.listing_table(found, list(rows))
    name = f"{metric}-{f.place}-{f.period.start}-{f.period.last}"
    if by:
        name += f"-{by}-{key or 'none'}"
    return download(fmt, header, data, found.metric.label, name)
