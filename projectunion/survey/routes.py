"""The survey's pages. Numbers and lists come from ``projectunion.reporting.coverage`` (through
``services.survey``); these views read the filters, call it and lay the result out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from projectunion import permissions, reporting
from projectunion.dashboard import lists
from projectunion.dashboard.routes import EXPORTS, FilterArgs, cell, download, drill_args
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import DomainError, PermissionDenied
from projectunion.i18n import _, _l
from projectunion.models import Project, Worker
from projectunion.reporting import coverage
from projectunion.services import join, jurisdictions, survey
from projectunion.survey import bp
from projectunion.survey.forms import CONSENTS, DeclineForm, EnrollForm, TargetForm
from projectunion.web import apply_errors, flash_form_errors, get_or_404, refuse, visible_or_404

#: The most registration forms printed at once.
FORMS_MAX = 200


@bp.before_request
@login_required
def signed_in():
    """Every page needs a signed-in user; each view asks its own permission question."""


@bp.context_processor
def _helpers():
    return {"cell": cell, "percent": percent, "coverage": coverage}


def percent(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class Filters(FilterArgs):
    """The jurisdiction and the as-of day asked for, checked."""

    on: dt.date | None = None


def read_filters() -> Filters:
    if not permissions.can_view_survey(current_user):
        raise PermissionDenied(_l("Only union and city staff can see the survey."))
    session = get_session()
    args = {name: request.args.get(name, "").strip() for name in ("jurisdiction", "as_of", "from", "to")}
    f = Filters(args, reporting.scope_choices(session, current_user))
    f.scope = f.read(lambda: survey.resolve_scope(session, current_user, args["jurisdiction"]))
    f.on = f.read(lambda: reporting.parse_date(args["as_of"], "as_of") or today())
    if f.on is not None and f.on > today():
        f.errors["as_of"] = _l("The as-of date cannot be in the future.")
    return f


def _export(fmt: str, columns, rows, title: Any, name: str) -> Response:
    if fmt not in EXPORTS:
        abort(404)
    header = [str(label) for _name, label in columns]
    data = [[_export_value(row.get(n)) for n, _label in columns] for row in rows]
    return download(fmt, header, data, title, name)


def _export_value(value: Any) -> Any:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


# -- the staff's worklist -------------------------------------------------------------


WORKLISTS = {
    "without_union": _l("Sites without a founded union"),
    "not_started": _l("Registered, not started"),
}


def _worklist(f: Filters, which: str) -> list[dict[str, Any]]:
    session = get_session()
    if which == "without_union":
        return survey.sites_without_union(session, current_user, f.scope, f.on)
    return survey.sites_not_started(session, current_user, f.scope, f.on)


@bp.get("/")
def index():
    f = read_filters()
    if f.errors:
        return render_template("survey/index.html", f=f), 400
    session = get_session()
    totals = coverage.coverage_totals(session, f.on, coverage.Filter(f.scope))
    return render_template(
        "survey/index.html",
        f=f,
        totals=totals,
        rate_link=lambda metric: f.link("survey.listing", metric=metric),
        without_union=_worklist(f, "without_union"),
        not_started=_worklist(f, "not_started"),
        grace=survey.grace_days(),
        progress=survey.progress(session, f.scope, f.on),
    )


@bp.get("/sites-<which>.<fmt>")
def worklist_export(which: str, fmt: str):
    if which not in WORKLISTS:
        abort(404)
    f = read_filters()
    if f.errors:
        abort(400)
    name = f"survey-{which}-{f.place}-{f.on}"
    return _export(fmt, coverage.SITE_COLUMNS, _worklist(f, which), WORKLISTS[which], name)


# -- the rates, broken down, with a monthly trend and drill-down -----------------------


@bp.get("/coverage")
def rates():
    f = read_filters()
    by = f.breakdown(coverage.COVERAGE_DIMENSIONS)
    period = None
    if not f.errors:
        period = f.read(lambda: reporting.make_period(f.args["from"] or None, f.args["to"] or None, f.on))
    if f.errors:
        return render_template("survey/coverage.html", f=f, by=by, report=None), 400
    report = coverage.coverage_report(get_session(), f.on, coverage.Filter(f.scope), by, trend=period)
    return render_template("survey/coverage.html", f=f, by=by, report=report, period=period)


@bp.get("/coverage.<fmt>")
def rates_export(fmt: str):
    f = read_filters()
    by = f.breakdown(coverage.COVERAGE_DIMENSIONS)
    if f.errors or fmt not in EXPORTS:
        abort(400 if fmt in EXPORTS else 404)
    report = coverage.coverage_report(get_session(), f.on, coverage.Filter(f.scope), by)
    columns = [("label", coverage.COVERAGE_DIMENSION_LABELS[by])]
    for r in coverage.RATES:
        columns += [(r.numerator, coverage.COVERAGE_BY_NAME[r.numerator].label),
                    (r.denominator, coverage.COVERAGE_BY_NAME[r.denominator].label), (r.name, r.label)]  # fmt: skip
    rows = [{"label": str(row.label), **row.values} for row in [*report.rows, report.total]]
    name = f"coverage-{f.place}-{by}-{f.on}"
    return _export(fmt, columns, rows, _("Coverage"), name)


def _listing(f: Filters):
    metric, by, key = drill_args(coverage.COVERAGE_DIMENSIONS)
    return coverage.coverage_listing(
        get_session(), f.on, coverage.Filter(f.scope), metric, by, key, survey.declined_days(), lists.sort_arg()
    )


#: The cells of a survey list that open a page: the person, their union or the site's, the site's survey page.
LIST_LINKS = {
    "name": lists.WORKER,
    "union": lists.UNION,
    "union_state": lists.UNION,
    "project": lists.Link("site_survey", "project_id", "survey.site", "project_id"),
}


@bp.get("/list")
def listing():
    f = read_filters()
    if f.errors:
        return render_template("survey/list.html", f=f, listing=None), 400
    found, _rows = _listing(f)
    return render_template(
        "survey/list.html", f=f, listing=found, links=lists.RowLinks(found.rows, LIST_LINKS), sort_url=lists.sort_url
    )


@bp.get("/list.<fmt>")
def listing_export(fmt: str):
    f = read_filters()
    if f.errors:
        abort(400)
    found, rows = _listing(f)
    name = f"{found.metric.name}-{f.place}-{f.on}"
    return _export(fmt, found.columns, list(rows), found.metric.label, name)


# -- a site: its not-yet-enrolled workers, for the officer --------------------------------


def _site(project_id: int) -> Project:
    project = visible_or_404(get_or_404(Project, project_id))
    permissions.require(permissions.can_view_site_survey(current_user, project), private=True)
    return project


@bp.get("/sites/<int:project_id>")
def site(project_id: int):
    project = _site(project_id)
    session = get_session()
    rows = survey.not_enrolled(session, current_user, project)
    declined = [r for r in survey.not_enrolled(session, current_user, project, hide_declined=False) if r["declined_on"]]
    union = project.union
    can_work = permissions.can_work_site_survey(current_user, project) and union is not None
    return render_template(
        "survey/site.html",
        project=project,
        union=union,
        rows=rows,
        declined=declined,
        totals=survey.site_totals(session, current_user, project),
        can_work=can_work,
        enrollment_open=can_work and join.join_link_usable(union),
        enroll_form=EnrollForm(),
        consents=CONSENTS,
        decline_form=DeclineForm(),
        declined_days=survey.declined_days(),
        today_iso=today().isoformat(),
    )


@bp.get("/sites/<int:project_id>/workers.<fmt>")
def site_export(project_id: int, fmt: str):
    project = _site(project_id)
    rows = survey.not_enrolled(get_session(), current_user, project, hide_declined=False)
    return _export(
        fmt, coverage.WORKER_COLUMNS, rows, _("Not yet members"), f"not-enrolled-{project.permit_no}-{today()}"
    )


@bp.get("/sites/<int:project_id>/forms")
def forms(project_id: int):
    """Registration forms (入会登记表), one A4 page per worker, to print and have signed."""
    project = _site(project_id)
    permissions.require(permissions.can_work_site_survey(current_user, project))
    session = get_session()
    wanted = [int(v) for v in request.args.getlist("worker") if v.isdigit()][:FORMS_MAX]
    rows = {r["worker_id"]: r for r in survey.not_enrolled(session, current_user, project, hide_declined=False)}
    people = [rows[w] for w in dict.fromkeys(wanted) if w in rows] or (list(rows.values()) if not wanted else [])
    if not people:
        flash(_("Tick the workers whose registration forms you want to print."), "error")
        return redirect(url_for(".site", project_id=project.id))
    url = url_for("join.apply", token=join.join_token_for(current_user, project.union), _external=True)
    return render_template(
        "survey/forms.html", project=project, union=project.union, people=people, qr=join.qr_svg(url), url=url,
        printed_on=today(),
    )  # fmt: skip


def _worker_id() -> int:
    raw = request.form.get("worker_id", "")
    if not raw.isdigit() or get_session().get(Worker, int(raw)) is None:
        abort(404)
    return int(raw)


@bp.post("/sites/<int:project_id>/enroll")
def enroll(project_id: int):
    project = _site(project_id)
    worker_id = _worker_id()
    form = EnrollForm()
    if not form.validate():
        flash_form_errors(form)
        return redirect(url_for(".site", project_id=project.id))
    try:
        membership = survey.enroll(
            get_session(), current_user, project, worker_id, consent=form.consent.data, joined_on=form.joined_on.data
        )
    except DomainError as exc:
        refuse(exc)
    else:
        flash(
            _("%(name)s is now a member of %(union)s.", name=membership.worker.name, union=project.union.name),
            "success",
        )
    return redirect(url_for(".site", project_id=project.id))


@bp.post("/sites/<int:project_id>/decline")
def decline(project_id: int):
    project = _site(project_id)
    worker_id = _worker_id()
    form = DeclineForm()
    if not form.validate():
        flash(_("Enter a date like 2024-03-01."), "error")
        return redirect(url_for(".site", project_id=project.id))
    try:
        mark = survey.decline(get_session(), current_user, project, worker_id, form.declined_on.data)
    except DomainError as exc:
        refuse(exc)
    else:
        flash(
            _(
                "%(name)s declined on %(date)s: they leave the worklist for %(days)d days and still count on the site.",
                name=mark.worker.name, date=mark.declined_on.isoformat(), days=survey.declined_days(),
            ),
            "success",
        )  # fmt: skip
    return redirect(url_for(".site", project_id=project.id))


# -- targets ------------------------------------------------------------------------------


def _target_choices(session) -> list[tuple[str, str]]:
    return [
        (j.code, j.name)
        for j in reporting.scope_choices(session, current_user)
        if j.level in ("city", "district") and permissions.can_set_enrollment_target(current_user, j)
    ]


@bp.route("/targets", methods=["GET", "POST"])
def targets():
    if not permissions.can_view_survey(current_user):
        raise PermissionDenied(_l("Only union and city staff can see the survey."))
    session = get_session()
    year = today().year
    form = TargetForm(year=year)
    form.jurisdiction_code.choices = _target_choices(session)
    if request.method == "POST":
        if not form.jurisdiction_code.choices:
            raise PermissionDenied()
        if form.validate_on_submit():
            place = jurisdictions.by_code(session, form.jurisdiction_code.data)
            try:
                target = survey.set_target(session, current_user, place, form.year.data, form.target.data)
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                flash(_("The target of %(place)s for %(year)d is %(target)s new members.", place=place.name,
                        year=target.year, target=f"{target.target:,}"), "success")  # fmt: skip
                return redirect(url_for(".targets"))
    rows = []
    for t in survey.targets(session, current_user, year):
        p = survey.progress(session, t.jurisdiction if t.jurisdiction.parent_id else None)
        rows.append((t, p))
    return render_template(
        "survey/targets.html", form=form, rows=rows, year=year, can_set=bool(form.jurisdiction_code.choices)
    )
