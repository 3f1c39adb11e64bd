"""The survey's coverage (摸排): the founding and membership rates with their numerators and
denominators, and a site's not-yet-enrolled workers — the numbers of the survey pages and of
``projectunion stats --coverage``, from ``projectunion.reporting.coverage``."""

from __future__ import annotations

from typing import Any

from projectunion import permissions
from projectunion.api.core import operation
from projectunion.api.schema import Boolean, Choice, Date, Field, Id, Integer, List, Params, Shape, Text, Type
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import NotFound, PermissionDenied, ValidationError
from projectunion.i18n import _l
from projectunion.models import Project
from projectunion.reporting import coverage
from projectunion.services import survey


class Fraction(Type):
    """A rate as a number from 0 to 1 with four decimals (0.8125 is 81.25 %); answered only."""

    def __init__(self, *, description: Any = None) -> None:
        self.description = description

    def json_schema(self) -> dict[str, Any]:
        return self._described({"type": "number", "minimum": 0, "maximum": 1, "examples": [0.8125]})

    def dump(self, value: Any) -> Any:
        return None if value is None else float(value)


RATE = Shape(
    "CoverageRate",
    {
        "rate": Field(
            Fraction(), nullable=True, description=_l("numerator ÷ denominator; null when nothing is counted.")
        ),
        "numerator": Field(Integer(minimum=0), nullable=True),
        "denominator": Field(Integer(minimum=0), nullable=True),
    },
)
RATES = Shape(
    "CoverageRates",
    {
        "founding_rate": Field(
            RATE,
            description=_l(
                "Sites under construction (or halted) whose union was founded on or before the day ÷ sites under "
                "construction (null parts where the breakdown does not apply: by trade)."
            ),
        ),
        "membership_rate": Field(
            RATE, description=_l("Workers on site with a membership in force in any union ÷ workers on site.")
        ),
    },
)
ROW = Shape(
    "CoverageRow",
    {
        "key": Field(Text(min_length=0), description=_l("The group: a site or contractor id, a jurisdiction code, a trade ('' = not recorded).")),
        "label": Field(Text(min_length=0)),
        "rates": Field(RATES),
    },
)  # fmt: skip
WORKER = Shape(
    "NotYetMember",
    {
        "worker_id": Field(Id()),
        "name": Field(Text()),
        "id_masked": Field(Text(), description=_l("The masked ID number; never the full one.")),
        "trade": Field(Text(min_length=0), nullable=True),
        "crew": Field(Text()),
        "contractor": Field(Text()),
        "entered_on": Field(Date(), description=_l("The day the worker's crew entered the site.")),
        "pending_application": Field(Boolean()),
        "declined_on": Field(Date(), nullable=True, description=_l("When the worker last declined, within the declined period.")),
    },
)  # fmt: skip
COVERAGE = Shape(
    "Coverage",
    {
        "as_of": Field(Date()),
        "jurisdiction_code": Field(Text(max_length=12), nullable=True),
        "project_id": Field(Id(), nullable=True),
        "contractor_id": Field(Id(), nullable=True),
        "by": Field(Choice(coverage.COVERAGE_DIMENSIONS), nullable=True),
        "total": Field(RATES),
        "rows": Field(List(ROW), description=_l("One row per group when `by` is given.")),
        "not_yet_members": Field(
            List(WORKER), nullable=True, description=_l("With `project_id`: the site's workers not yet members.")
        ),
    },
    description=_l("DESIGN.md's coverage table, under the same names as `projectunion stats --coverage`."),
)


def _rates(values: dict[str, Any]) -> dict[str, Any]:
    return {
        r.name: {
            "rate": values.get(r.name),
            "numerator": values.get(r.numerator),
            "denominator": values.get(r.denominator),
        }
        for r in coverage.RATES
    }


@operation(
    "GET",
    "/coverage",
    tag="stats",
    summary=_l("The founding and membership rates on a day, and a site's workers not yet members"),
    description=_l(
        "Union staff see their jurisdiction and below, city staff and administrators the whole city; "
        "a site's officers see their site with `project_id`. Default: as of today."
    ),
    response=COVERAGE,
    query=Params(
        {
            "as_of": Field(Date(), required=False, description=_l("Default today.")),
            "jurisdiction_code": Field(Text(max_length=12), required=False),
            "project_id": Field(Id(), required=False),
            "contractor_id": Field(Id(), required=False),
            "by": Field(Choice(coverage.COVERAGE_DIMENSIONS), required=False),
        }
    ),
    errors=(403, 404),
)
def get_coverage(actor, query: dict[str, Any]):
    session = get_session()
    on = query["as_of"] or today()
    if on > today():
        raise ValidationError({"as_of": _l("The as-of date cannot be in the future.")})
    project = None
    if query["project_id"] is not None:
        project = session.get(Project, query["project_id"])
        if project is None or not permissions.can_view_site_survey(actor, project):
            raise NotFound()
    if permissions.can_view_survey(actor):
        try:
            scope = survey.resolve_scope(session, actor, query["jurisdiction_code"])
        except ValidationError as exc:
            raise ValidationError({"jurisdiction_code": exc.fields["jurisdiction"]}) from None
    elif project is None or query["jurisdiction_code"]:
        raise PermissionDenied(_l("Only union and city staff can see the survey; officers ask for their site."))
    else:
        scope = None
    filt = coverage.Filter(scope, query["project_id"], query["contractor_id"])
    report = coverage.coverage_report(session, on, filt, query["by"])
    workers = None
    if project is not None:
        workers = [
            {
                "worker_id": r["worker_id"], "name": r["name"], "id_masked": r["id_masked"], "trade": r["trade"],
                "crew": r["crew"], "contractor": r["contractor"], "entered_on": r["entered_on"],
                "pending_application": r["pending"], "declined_on": r["declined_on"],
            }
            for r in survey.not_enrolled(session, actor, project, on, hide_declined=False)
        ]  # fmt: skip
    return {
        "as_of": on,
        "jurisdiction_code": scope.code if scope is not None else None,
        "project_id": query["project_id"],
        "contractor_id": query["contractor_id"],
        "by": report.by,
        "total": _rates(report.total.values),
        "rows": [{"key": r.key, "label": str(r.label), "rates": _rates(r.values)} for r in report.rows],
        "not_yet_members": workers,
    }
