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
from projectunion.db import get_session
from projectunion.services import retention


def configured_years() -> int:
    value = current_app.config.get(retention.YEARS_KEY) or os.environ.get("PROJECTUNION_RETENTION_YEARS")
    return int(value) if value else retention.YEARS_DEFAULT


@click.group("retention", help="Retention of personal data (anonymised, never deleted).")
def retention_group() -> None:
    pass


@retention_group.command("run", help="Anonymise the people whose dissolved project union ended long enough ago.")
@click.option("--years", type=click.IntRange(min=1), help="Years after the dissolution (default: configured, 5).")
@click.option("--dry-run", is_flag=True, help="Only count who is due; change nothing.")
@with_appcontext
def retention_run(years: int | None, dry_run: bool) -> None:
    years = years or configured_years()
    run = retention.anonymise_due(get_session(), None, today=dates.today(), years=years, dry_run=dry_run)
    verb = "Due, nothing changed" if dry_run else "Anonymised"
    click.echo(
        f"{verb}: {len(run.worker_ids)} people whose project union was dissolved on or before"
        f" {run.cutoff.isoformat()} ({years} years) and who have nothing newer."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(retention_group)
