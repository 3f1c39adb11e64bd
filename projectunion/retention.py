"""``projectunion retention run``: apply the retention rule for dissolved unions' personal data.

The period is ``RETENTION_YEARS`` in the app config, else the environment's
``PROJECTUNION_RETENTION_YEARS``, else five years; ``--years`` overrides it for
one run. The rule itself is :mod:`projectunion.services.retention`.
"""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from projectunion import dates
from projectunion.cli_language import option
from projectunion.db import get_session
from projectunion.i18n import _, _l, display_date
from projectunion.services import retention


def configured_years() -> int:
    value = current_app.config.get(retention.YEARS_KEY) or os.environ.get("PROJECTUNION_RETENTION_YEARS")
    return int(value) if value else retention.YEARS_DEFAULT


@click.group("retention", help=_l("Retention of personal data (anonymised, never deleted)."))
def retention_group() -> None:
    pass


@retention_group.command("run", help=_l("Anonymise the people whose dissolved project union ended long enough ago."))
@option("--years", type=click.IntRange(min=1), help=_l("Years after the dissolution (default: configured, 5)."))
@option("--dry-run", is_flag=True, help=_l("Only count who is due; change nothing."))
@with_appcontext
def retention_run(years: int | None, dry_run: bool) -> None:
    years = years or configured_years()
    run = retention.anonymise_due(get_session(), None, today=dates.today(), years=years, dry_run=dry_run)
    about = {"count": len(run.worker_ids), "cutoff": display_date(run.cutoff), "years": years}
    if dry_run:
        message = _(
            "Due, nothing changed: %(count)s people whose project union was dissolved on or before %(cutoff)s"
            " (%(years)s years) and who have nothing newer.",
            **about,
        )
    else:
        message = _(
            "Anonymised: %(count)s people whose project union was dissolved on or before %(cutoff)s"
            " (%(years)s years) and who have nothing newer.",
            **about,
        )
    click.echo(message)


def init_app(app: Flask) -> None:
    app.cli.add_command(retention_group)
