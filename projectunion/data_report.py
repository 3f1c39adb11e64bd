"""A person's data report, for access requests: ``projectunion workers report`` and the
administrators' page ``/admin/data-report``.

The ID number is read from standard input (or a hidden prompt), never from
the command line, so it stays out of shell history and ``ps``; on the page it
is posted, never put in a URL.
"""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, Response, render_template, request
from flask.cli import with_appcontext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from projectunion import permissions
from projectunion.admin import bp
from projectunion.cli_language import option
from projectunion.db import get_session
from projectunion.exceptions import DomainError, NotFound
from projectunion.forms import needed
from projectunion.i18n import _, _l
from projectunion.services.data_report import SECTIONS, data_report
from projectunion.web import apply_errors

SECTION_TITLES = {
    "worker": _l("Person"),
    "memberships": _l("Memberships"),
    "membership_history": _l("Membership history"),
    "crews_led": _l("Crews they lead"),
    "crew_memberships": _l("Crews they were in"),
    "site_entries": _l("Site entries"),
    "service_records": _l("Services"),
    "wage_cases": _l("Wage cases"),
    "survey_declines": _l("Declined to join"),
    "audit_events": _l("Audit log about them"),
}


def as_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True)


# --- the command --------------------------------------------------------------------------


@click.group("workers", help=_l("Workers (real-name records)."))
def workers_group() -> None:
    pass


@workers_group.command("report", help=_l("Print, as JSON, every row held about one person (access requests)."))
@option(
    "--id-number",
    "source",
    default="-",
    show_default=True,
    help=_l("'-': read the person's ID number from standard input (or a hidden prompt). Never type the number here."),
)
@with_appcontext
def report_command(source: str) -> None:
    if source != "-":
        raise click.UsageError(
            _(
                "Never put an ID number on the command line (shell history and ps keep it):"
                " use --id-number - and type or pipe the number in."
            )
        )
    stdin = sys.stdin
    number = click.prompt(_("ID number"), hide_input=True, err=True) if stdin.isatty() else stdin.readline().strip()
    try:
        report = data_report(get_session(), None, number, via="cli")
    except NotFound:
        raise click.ClickException(
            _("Nobody with this ID number is held.")
            + " "
            + _(
                "The data of a person anonymised under the retention rule can no longer be found by the number:"
                " nothing that names them is kept."
            )
        ) from None
    except DomainError as exc:
        raise click.ClickException(
            " ".join(str(m) for m in getattr(exc, "fields", {}).values()) or str(exc.message)
        ) from None
    click.echo(as_json(report))


def init_app(app: Flask) -> None:
    app.cli.add_command(workers_group)


# --- the page ----------------------------------------------------------------------------


class DataReportForm(FlaskForm):
    id_number = StringField(
        _l("ID number"),
        [needed()],
        description=_l("The number of the person asking; the report and who made it are recorded."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"},
    )


@bp.route("/data-report", methods=["GET", "POST"])
def data_report_page():
    permissions.require(permissions.can_answer_access_requests(current_user))
    form = DataReportForm()
    report = None
    not_found = False
    if form.validate_on_submit():
        try:
            report = data_report(get_session(), current_user, form.id_number.data, via="web")
        except NotFound:
            not_found = True
        except DomainError as exc:
            apply_errors(form, exc)
        if report is not None and request.form.get("format") == "json":
            return Response(
                as_json(report),
                mimetype="application/json",
                headers={"Content-Disposition": "attachment; filename=data-report.json"},
            )
    return render_template(
        "admin/data_report.html",
        form=form,
        report=report,
        not_found=not_found,
        sections=SECTIONS,
        titles=SECTION_TITLES,
    )
