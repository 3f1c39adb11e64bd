"""`projectunion stats`: the city totals on the command line, under the same names as the API."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import click
from flask.cli import with_appcontext

from projectunion import exports, reporting
from projectunion.cli_language import option
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.i18n import _, _l, display_date

#: How a total adds up over the rows of a breakdown (the table's last but one column; JSON keeps the codes).
TOTAL_RULE_WORDS = {"sum": _l("sum"), "distinct": _l("distinct"), "snapshot": _l("snapshot")}


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - text_width(text))
    return gap + text if right else text + gap


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def text_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns aligned for a terminal (Chinese characters count double); numbers to the right."""
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max(text_width(str(h)), *(text_width(r[i]) for r in cells)) for i, h in enumerate(header)]
    numeric = [all(isinstance(r[i], (int, Decimal)) or r[i] is None for r in rows) for i in range(len(header))]
    lines = ["  ".join(_pad(str(h), w, n) for h, w, n in zip(header, widths, numeric, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w, n) for c, w, n in zip(r, widths, numeric, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def _caption(report: reporting.Report) -> str:
    p = report.period
    place = report.scope.name if report.scope is not None else "-"
    return _(
        "%(place)s: %(start)s – %(end)s, as of %(as_of)s (counted up to %(last)s)",
        place=place,
        start=display_date(p.start),
        end=display_date(p.end),
        as_of=display_date(p.as_of),
        last=display_date(p.last),
    )


def _as_table(report: reporting.Report) -> str:
    """One line per total (its API name, then what it counts); with --by, one column per group, then the
    total and how it adds up."""
    if report.by is None:
        rows = [[m.name, report.total.values[m.name], str(m.label)] for m in report.metrics]
        return text_table([_("total"), _("value"), _("what it counts")], rows)
    header = [_("total"), *[str(r.label) for r in report.rows], _("Total"), _("total is"), _("what it counts")]
    rows = [
        [
            m.name,
            *[r.values[m.name] for r in report.rows],
            report.total.values[m.name],
            str(TOTAL_RULE_WORDS[report.total_rule(m)]),
            str(m.label),
        ]
        for m in report.metrics
    ]
    return text_table(header, rows)


def _as_csv(report: reporting.Report) -> str:
    header = ["key", "label", *[m.name for m in report.metrics]]
    lines = [[r.key, str(r.label), *[r.values[m.name] for m in report.metrics]] for r in report.rows]
    lines.append(["", "Total", *[report.total.values[m.name] for m in report.metrics]])
    return "".join(exports.iter_csv(header, lines))


@click.command(
    "stats",
    help=_l("City totals for a period, as of a date (docs/domain.md, 'Exact definitions of the totals')."),
)
@option("--from", "start", metavar="YYYY-MM-DD", help=_l("First day of the period (default: 1 January of this year)."))
@option("--to", "end", metavar="YYYY-MM-DD", help=_l("Last day of the period (default: 31 December of that year)."))
@option("--as-of", "as_of", metavar="YYYY-MM-DD", help=_l("Count only what had happened by this day (default: today)."))
@option("--jurisdiction", "code", metavar="CODE", help=_l("A district or town code (default: the whole city)."))
@option(
    "--by",
    type=click.Choice(tuple(dict.fromkeys((*reporting.DIMENSIONS, *reporting.COVERAGE_DIMENSIONS)))),
    help=_l("Break the totals down (by site: with --coverage only)."),
)
@option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help=_l("A table for people; CSV and JSON (dates in ISO, totals by their API names) for programs."),
)
@option(
    "--coverage",
    is_flag=True,
    help=_l(
        "The survey's founding and membership rates on the as-of date (the coverage table of docs/domain.md); "
        "--from/--to give the months of the trend."
    ),
)
@option("--project", "project_id", type=int, metavar="ID", help=_l("With --coverage: one site."))
@option("--contractor", "contractor_id", type=int, metavar="ID", help=_l("With --coverage: one contractor."))
@with_appcontext
def stats_command(start, end, as_of, code, by, fmt, coverage, project_id, contractor_id) -> None:
    session = get_session()
    if coverage:
        _coverage(session, start, end, as_of, code, by, fmt, project_id, contractor_id)
        return
    if by not in (None, *reporting.DIMENSIONS) or project_id is not None or contractor_id is not None:
        raise click.UsageError(_("--by site, --project and --contractor go with --coverage."))
    try:
        period = reporting.make_period(start, end, as_of)
        scope = reporting.resolve_scope(session, None, code)
        report = reporting.report(session, period, scope, by)
    except DomainError as exc:
        option = {"from": "--from", "to": "--to", "as_of": "--as-of", "jurisdiction": "--jurisdiction"}
        details = "".join(f"\n  {option.get(k, k)}: {v}" for k, v in getattr(exc, "fields", {}).items())
        raise click.ClickException(f"{exc.message}{details}") from None
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(_as_csv(report), nl=False)
    else:
        click.echo(_caption(report))
        click.echo(_as_table(report))
        if by is not None:
            click.echo("")
            click.echo(
                _(
                    "'total is': sum = the sum of the rows; distinct = distinct people, one counted in several rows "
                    "counts once; snapshot = the value on the last day."
                )
            )


def _coverage_lines(report: reporting.CoverageReport) -> tuple[list[str], list[list[Any]]]:
    header = ["key", "label"]
    for r in reporting.RATES:
        header += [r.numerator, r.denominator, r.name]
    rows = [*report.rows, report.total] if report.by else [report.total]
    lines = []
    for row in rows:
        line: list[Any] = [row.key, str(row.label)]
        for r in reporting.RATES:
            value = row.values.get(r.name)
            line += [
                row.values.get(r.numerator),
                row.values.get(r.denominator),
                None if value is None else f"{value:.4f}",
            ]
        lines.append(line)
    return header, lines


def _coverage(session, start, end, as_of, code, by, fmt, project_id, contractor_id) -> None:
    """`stats --coverage`: the same numbers as the survey pages and ``GET /api/v1/coverage``."""
    try:
        period = reporting.make_period(start, end, as_of)
        scope = reporting.resolve_scope(session, None, code)
        filt = reporting.Filter(scope, project_id, contractor_id)
        trend = period if (start or end) else None
        report = reporting.coverage_report(session, period.as_of, filt, by, trend)
    except DomainError as exc:
        option = {"from": "--from", "to": "--to", "as_of": "--as-of", "jurisdiction": "--jurisdiction", "by": "--by"}
        details = "".join(f"\n  {option.get(k, k)}: {v}" for k, v in getattr(exc, "fields", {}).items())
        raise click.ClickException(f"{exc.message}{details}") from None
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    header, lines = _coverage_lines(report)
    if fmt == "csv":
        click.echo("".join(exports.iter_csv(header, lines)), nl=False)
        return
    place = scope.name if scope is not None else "-"
    click.echo(_("%(place)s: coverage on %(day)s", place=place, day=display_date(period.as_of)))
    click.echo(text_table([_("key"), _("label"), *header[2:]], lines))
    if report.trend:
        rows = []
        for month in report.trend:
            _header, (line,) = _coverage_lines(reporting.CoverageReport(period.as_of, filt, None, [], month))
            rows.append([month.key, *line[2:]])
        click.echo("")
        click.echo(text_table([_("month"), *header[2:]], rows))
