"""The survey's coverage (摸排): the founding and membership rates with their numerators and
denominators, and a site's not-yet-enrolled workers — the numbers of the survey pages and of
``projectunion stats --coverage``, from ``projectunion.reporting.coverage``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, WithJsonSchema

from projectunion import permissions
from projectunion.api.core import operation
from projectunion.api.schema import Answer, Boolean, Choice, Count, Date, Id, Query, QueryId, Text, described
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import NotFound, PermissionDenied, ValidationError
from projectunion.i18n import _l
from projectunion.models import Project
from projectunion.reporting import coverage
from projectunion.services import survey

#: A rate as a number from 0 to 1 with four decimals (0.8125 is 81.25 %).
Fraction = Annotated[float, WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1, "examples": [0.8125]})]
Dimension = Choice(coverage.COVERAGE_DIMENSIONS)


class CoverageRate(Answer):
    rate: Fraction | None = Field(description=_l("numerator ÷ denominator; null when nothing is counted."))
    numerator: Count | None
    denominator: Count | None


class CoverageRates(Answer):
    founding_rate: CoverageRate = Field(
        description=_l(
            "Sites under construction (or halted) whose union was founded on or before the day ÷ sites under "
            "construction (null parts where the breakdown does not apply: by trade)."
        )
    )
    membership_rate: CoverageRate = Field(
        description=_l("Workers on site with a membership in force in any union ÷ workers on site.")
    )


class CoverageRow(Answer):
    key: Text(min_length=0) = Field(
        description=_l("The group: a site or contractor id, a jurisdiction code, a trade ('' = not recorded).")
    )
    label: Text(min_length=0)
    rates: CoverageRates


class NotYetMember(Answer):
    worker_id: Id
    name: Text()
    id_masked: Text() = Field(description=_l("The masked ID number; never the full one."))
    trade: Text(min_length=0) | None
    crew: Text()
    contractor: Text()
    entered_on: Date = Field(description=_l("The day the worker's crew entered the site."))
    pending_application: Boolean = Field(validation_alias="pending")
    declined_on: Date | None = Field(description=_l("When the worker last declined, within the declined period."))


class Coverage(
    Answer,
    json_schema_extra=described(_l("The coverage totals, under the same names as `projectunion stats --coverage`.")),
):
    as_of: Date
    jurisdiction_code: Text(12) | None
    project_id: Id | None
    contractor_id: Id | None
    by: Dimension | None
    total: CoverageRates
    rows: list[CoverageRow] = Field(description=_l("One row per group when `by` is given."))
    not_yet_members: list[NotYetMember] | None = Field(
        description=_l("With `project_id`: the site's workers not yet members.")
    )


class CoverageQuery(Query):
    as_of: Date | None = Field(None, description=_l("Default today."))
    jurisdiction_code: Text(12) | None = None
    project_id: QueryId | None = None
    contractor_id: QueryId | None = None
    by: Dimension | None = None


@operation(
    "GET",
    "/coverage",
    tag="stats",
    summary=_l("The founding and membership rates on a day, and a site's workers not yet members"),
    description=_l(
        "Union staff see their jurisdiction and below, city staff and administrators the whole city; "
        "a site's officers see their site with `project_id`. Default: as of today."
    ),
    response=Coverage,
    query=CoverageQuery,
    errors=(403, 404),
)
def get_coverage(actor, query: CoverageQuery):
    session = get_session()
    on = query.as_of or today()
    if on > today():
        raise ValidationError({"as_of": _l("The as-of date cannot be in the future.")})
    project = None
    if query.project_id is not None:
        project = session.get(Project, query.project_id)
        if project is None or not permissions.can_view_site_survey(actor, project):
            raise NotFound()
    if permissions.can_view_survey(actor):
        try:
            scope = survey.resolve_scope(session, actor, query.jurisdiction_code)
        except ValidationError as exc:
            raise ValidationError({"jurisdiction_code": exc.fields["jurisdiction"]}) from None
    elif project is None or query.jurisdiction_code:
        raise PermissionDenied(_l("Only union and city staff can see the survey; officers ask for their site."))
    else:
        scope = None
    filt = coverage.Filter(scope, query.project_id, query.contractor_id)
    report = coverage.coverage_report(session, on, filt, query.by)
    workers = None
    if project is not None:
        workers = survey.not_enrolled(session, actor, project, on, hide_declined=False)
    return {
        "as_of": on,
        "jurisdiction_code": scope.code if scope is not None else None,
        "project_id": query.project_id,
        "contractor_id": query.contractor_id,
        "by": report.by,
        "total": coverage.rates_dict(report.total.values, plain=False),
        "rows": [
            {"key": r.key, "label": str(r.label), "rates": coverage.rates_dict(r.values, plain=False)}
            for r in report.rows
        ],
        "not_yet_members": workers,
    }
