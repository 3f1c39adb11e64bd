"""City totals: the one module that computes every number the dashboard, the
CLI (``projectunion stats``), the exports and the API show.

The definitions are the "Exact definitions of the totals" of docs/domain.md. What "as of
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

The package: ``metrics`` (what each total is), ``period`` (the days a report
covers), ``scope`` (the jurisdiction), ``sources`` (the rows behind the totals,
as SQL), ``reports`` (totals and breakdowns), ``drilldown`` (the rows behind
one number) and ``coverage`` (the survey's sites, workers on site and the two rates). Callers use the names below, from ``projectunion.reporting``.
"""

from projectunion.permissions import can_view_reports  # the dashboard asks here
from projectunion.reporting.coverage import (
    COVERAGE_DIMENSION_LABELS,
    COVERAGE_DIMENSIONS,
    COVERAGE_METRICS,
    RATES,
    CoverageReport,
    Filter,
    coverage_listing,
    coverage_report,
    coverage_totals,
)
from projectunion.reporting.drilldown import Listing, drill, drill_all
from projectunion.reporting.metrics import (
    BY_NAME,
    DIMENSION_LABELS,
    DIMENSIONS,
    METRICS,
    PERSON_DIMENSIONS,
    SECTIONS,
    SERVICE_KIND_LABELS,
    TIME_DIMENSIONS,
    TOTAL_RULE_LABELS,
    Metric,
    metric,
    select_metrics,
)
from projectunion.reporting.period import MAX_PERIODS, Bucket, Period, buckets, make_period, parse_date
from projectunion.reporting.reports import Report, Row, jsonable, nest, report, totals
from projectunion.reporting.scope import city, resolve_scope, scope_choices

__all__ = [
    "COVERAGE_DIMENSIONS",
    "COVERAGE_DIMENSION_LABELS",
    "COVERAGE_METRICS",
    "RATES",
    "CoverageReport",
    "Filter",
    "coverage_listing",
    "coverage_report",
    "coverage_totals",
    "BY_NAME",
    "DIMENSION_LABELS",
    "DIMENSIONS",
    "MAX_PERIODS",
    "METRICS",
    "PERSON_DIMENSIONS",
    "SECTIONS",
    "SERVICE_KIND_LABELS",
    "TIME_DIMENSIONS",
    "TOTAL_RULE_LABELS",
    "Bucket",
    "Listing",
    "Metric",
    "Period",
    "Report",
    "Row",
    "buckets",
    "can_view_reports",
    "city",
    "drill",
    "drill_all",
    "jsonable",
    "make_period",
    "metric",
    "nest",
    "parse_date",
    "report",
    "resolve_scope",
    "scope_choices",
    "select_metrics",
    "totals",
]
