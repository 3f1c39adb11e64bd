"""The totals: their stable names (the same in the CLI, the exports and the API), how each is
counted and how it may be broken down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from projectunion.exceptions import NotFound
from projectunion.i18n import _l
from projectunion.models.service_records import SERVICE_KINDS

DIMENSIONS = ("district", "town", "year", "month", "trade", "origin", "contractor")
TIME_DIMENSIONS = ("year", "month")
PERSON_DIMENSIONS = ("trade", "origin")
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

#: The group of a breakdown where nothing is recorded (its key is '').
NONE_RECORDED_LABELS = {
    "district": _l("Unions of the city itself"),
    "town": _l("Unions above town level"),
    "trade": _l("Trade not recorded"),
    "contractor": _l("No contractor recorded"),
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


def select_metrics(names: Sequence[str] | None = None, section: str | None = None) -> list[Metric]:
    if names:
        return [metric(n) for n in names]
    return [m for m in METRICS if section is None or m.section == section]
