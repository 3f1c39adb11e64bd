"""The city's totals, computed by the reporting module the dashboard and the CLI use."""

from __future__ import annotations

from typing import Any

from pydantic import AliasPath, BaseModel, Field, create_model

from projectunion import reporting
from projectunion.api.core import operation
from projectunion.api.schema import Answer, Choice, Count, Date, Facts, Money, Query, Text, described
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


def _models(tree: dict[str, Any], prefix: str, leaf: Any) -> type[BaseModel]:
    """A model per level of the metric names; ``leaf(metric)`` gives each total's type and field."""
    fields: dict[str, Any] = {}
    for key, node in tree.items():
        if isinstance(node, dict):
            fields[key] = (_models(node, prefix + key.title().replace("_", ""), leaf), ...)
        else:
            fields[key] = leaf(reporting.BY_NAME[node])
    return create_model(prefix, __base__=Answer, **fields)


def _value_field(metric: reporting.Metric) -> tuple[Any, Any]:
    description = _l("%(label)s (null where this breakdown does not apply).", label=metric.label)
    return (Money if metric.money else Count) | None, Field(description=description)


TREE = _tree([m.name for m in reporting.METRICS])
Totals = _models(TREE, "Totals", _value_field)
TotalRule = _models(TREE, "TotalRule", lambda m: (Choice(RULES), ...))
Dimension = Choice(reporting.DIMENSIONS)


class TotalsRow(Totals):
    key: Text(min_length=0) = Field(
        description=_l("The group: a jurisdiction code, a year, a trade… ('' = not recorded).")
    )
    label: Text(min_length=0)


class Stats(
    Answer,
    json_schema_extra=described(
        _l("The totals defined in docs/domain.md, under the same names as `projectunion stats`.")
    ),
):
    from_: Date = Field(validation_alias=AliasPath("period", "start"), serialization_alias="from")
    to: Date = Field(validation_alias=AliasPath("period", "end"))
    as_of: Date = Field(
        validation_alias=AliasPath("period", "as_of"), description=_l("Nothing after this date counts.")
    )
    on: Date = Field(
        validation_alias=AliasPath("period", "last"),
        description=_l("The last day counted: the end of the period or the as-of date."),
    )
    jurisdiction_code: Text(12) | None = Field(None, validation_alias=AliasPath("scope", "code"))
    by: Dimension | None
    rows: list[TotalsRow] = Field(description=_l("One row per group when `by` is given."))
    total: Totals
    total_rule: TotalRule = Field(
        description=_l(
            "How the total relates to the rows: `sum`; `distinct` people (can be less than the sum); "
            "`snapshot` on the last day."
        ),
    )


class StatsQuery(Query):
    from_: Date | None = Field(None, alias="from")
    to: Date | None = None
    as_of: Date | None = None
    jurisdiction_code: Text(12) | None = None
    by: Dimension | None = None


@operation(
    "GET",
    "/stats",
    tag="stats",
    summary=_l("The totals for a period, as of a date, optionally broken down"),
    description=_l(
        "Default period: this year, as of today. Union staff see their jurisdiction and below; "
        "city staff and administrators the whole city."
    ),
    response=Stats,
    query=StatsQuery,
    errors=(403,),
)
def stats(actor, query: StatsQuery):
    session = get_session()
    try:
        scope = reporting.resolve_scope(session, actor, query.jurisdiction_code)
    except ValidationError as exc:
        raise ValidationError({"jurisdiction_code": exc.fields["jurisdiction"]}) from None
    period = reporting.make_period(query.from_, query.to, query.as_of)
    report = reporting.report(session, period, scope, query.by)
    return Facts(
        report,
        period=period,
        scope=scope,
        rows=[Facts(r, label=str(r.label), **reporting.nest(r.values, leaf=None)) for r in report.rows],
        total=reporting.nest(report.total.values, leaf=None),
        total_rule=reporting.nest({m.name: report.total_rule(m) for m in report.metrics}, leaf=None),
    )
