"""The city's totals, computed by the reporting module the dashboard and the CLI use."""

from __future__ import annotations

from typing import Any

from projectunion import reporting
from projectunion.api.core import operation
from projectunion.api.schema import Choice, Date, Field, Integer, List, Money, Params, Shape, Text
from projectunion.db import get_session
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l

RULES = ("sum", "distinct", "snapshot")


def _tree(names: list[str]) -> dict[str, Any]:
    """{"services.training.people", ...} → {"services": {"training": {"people": "services.training.people"}}}."""
    tree: dict[str, Any] = {}
    for name in names:
        *parents, leaf = name.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = name
    return tree


def _shapes(tree: dict[str, Any], prefix: str, leaf: Any) -> Shape:
    """A shape per level of the metric names; ``leaf(metric)`` gives each total's field."""
    fields: dict[str, Field] = {}
    for key, node in tree.items():
        if isinstance(node, dict):
            fields[key] = Field(_shapes(node, prefix + key.title().replace("_", ""), leaf))
        else:
            fields[key] = leaf(reporting.BY_NAME[node])
    return Shape(prefix, fields)


def _value_field(metric: reporting.Metric) -> Field:
    return Field(
        Money() if metric.money else Integer(minimum=0),
        nullable=True,
        description=_l("%(label)s (null where this breakdown does not apply).", label=metric.label),
    )


TREE = _tree([m.name for m in reporting.METRICS])
TOTALS = _shapes(TREE, "Totals", _value_field)
ROW = Shape(
    "TotalsRow",
    {
        "key": Field(
            Text(min_length=0), description=_l("The group: a jurisdiction code, a year, a trade… ('' = not recorded).")
        ),
        "label": Field(Text(min_length=0)),
        **TOTALS.fields,
    },
)
RULE = _shapes(TREE, "TotalRule", lambda m: Field(Choice(RULES)))

STATS = Shape(
    "Stats",
    {
        "from": Field(Date()),
        "to": Field(Date()),
        "as_of": Field(Date(), description=_l("Nothing after this date counts.")),
        "on": Field(Date(), description=_l("The last day counted: the end of the period or the as-of date.")),
        "jurisdiction_code": Field(Text(max_length=12), nullable=True),
        "by": Field(Choice(reporting.DIMENSIONS), nullable=True),
        "rows": Field(List(ROW), description=_l("One row per group when `by` is given.")),
        "total": Field(TOTALS),
        "total_rule": Field(
            RULE,
            description=_l(
                "How the total relates to the rows: `sum`; `distinct` people (can be less than the sum); "
                "`snapshot` on the last day."
            ),
        ),
    },
    description=_l("The totals of DESIGN.md, under the same names as `projectunion stats`."),
)


def _nested(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        *parents, leaf = name.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


@operation(
    "GET",
    "/stats",
    tag="stats",
    summary=_l("The totals for a period, as of a date, optionally broken down"),
    description=_l(
        "Default period: this year, as of today. Union staff see their jurisdiction and below; "
        "city staff and administrators the whole city."
    ),
    response=STATS,
    query=Params(
        {
            "from": Field(Date(), required=False),
            "to": Field(Date(), required=False),
            "as_of": Field(Date(), required=False),
            "jurisdiction_code": Field(Text(max_length=12), required=False),
            "by": Field(Choice(reporting.DIMENSIONS), required=False),
        }
    ),
    errors=(403,),
)
def stats(actor, query: dict[str, Any]):
    session = get_session()
    try:
        scope = reporting.resolve_scope(session, actor, query["jurisdiction_code"])
    except ValidationError as exc:
        raise ValidationError({"jurisdiction_code": exc.fields["jurisdiction"]}) from None
    period = reporting.make_period(query["from"], query["to"], query["as_of"])
    report = reporting.report(session, period, scope, query["by"])
    return {
        "from": period.start,
        "to": period.end,
        "as_of": period.as_of,
        "on": period.last,
        "jurisdiction_code": scope.code if scope is not None else None,
        "by": report.by,
        "rows": [{"key": r.key, "label": str(r.label), **_nested(r.values)} for r in report.rows],
        "total": _nested(report.total.values),
        "total_rule": _nested({m.name: report.total_rule(m) for m in report.metrics}),
    }
