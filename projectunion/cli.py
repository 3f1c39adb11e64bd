"""The `projectunion` command (also `flask --app projectunion ...`)."""

from __future__ import annotations

import secrets

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from projectunion import migrate
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.models.users import ROLES


def _fail(exc: DomainError) -> None:
    details = "".join(f"\n  {k}: {v}" for k, v in getattr(exc, "fields", {}).items())
    raise click.ClickException(f"{exc.message}{details}")


@click.group("db", help="Database schema (Alembic migrations).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Migrate the database to the newest schema.")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_group.command("downgrade", help="Undo migrations down to REVISION (default: one step).")
@click.option("--revision", default="-1", show_default=True)
@with_appcontext
def db_downgrade(revision: str) -> None:
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_group.command("check", help="Fail if the models and the migrations disagree.")
@with_appcontext
def db_check() -> None:
    migrate.check(current_app.config["DATABASE_URL"])
    click.echo("Models and migrations agree.")


@click.group("users", help="Accounts and API tokens.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", help="Default: a random one, printed once.")
@click.option("--name", "display_name")
@click.option("--jurisdiction", "jurisdiction_code", help="Jurisdiction code (staff, officers).")
@click.option("--contractor", "contractor_uscc", help="The company's USCC (contractor accounts).")
@click.option("--union", "union_ids", multiple=True, type=int, help="A union the officer runs (repeatable).")
@click.option("--can-reveal-id", is_flag=True, help="May reveal full ID numbers (audited).")
@with_appcontext
def users_create(username, role, password, display_name, jurisdiction_code, contractor_uscc, union_ids, can_reveal_id):
    from projectunion.models import Contractor, Union
    from projectunion.services import jurisdictions, users

    session = get_session()
    jurisdiction = jurisdictions.by_code(session, jurisdiction_code)
    if jurisdiction_code and jurisdiction is None:
        raise click.BadParameter(f"unknown jurisdiction {jurisdiction_code}", param_hint="--jurisdiction")
    contractor = None
    if contractor_uscc:
        contractor = session.scalars(sa.select(Contractor).where(Contractor.uscc == contractor_uscc)).first()
        if contractor is None:
            raise click.BadParameter(f"unknown contractor {contractor_uscc}", param_hint="--contractor")
    unions = [session.get(Union, i) for i in union_ids]
    if None in unions:
        raise click.BadParameter("unknown union id", param_hint="--union")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = users.create_user(
            session,
            None,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            jurisdiction=jurisdiction,
            contractor=contractor,
            unions=unions,
            can_reveal_id=can_reveal_id,
        )
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Created {user.role} {user.username}" + (f" with password: {password}" if generated else "."))


@users_group.command("token", help="Create an API bearer token for USERNAME (printed once).")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@with_appcontext
def users_token(username: str, name: str) -> None:
    from projectunion.models import User
    from projectunion.services import users

    session = get_session()
    user = session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise click.BadParameter(f"no user {username}")
    click.echo(users.create_token(session, None, user, name))


@click.group("roster", help="Crew rosters (班组花名册).")
def roster_group() -> None:
    pass


@roster_group.command("import", help="Check (and with --commit, save) a roster file for CREW_ID.")
@click.argument("crew_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="Whose permissions apply (a contractor, officer or admin).")
@click.option("--commit", is_flag=True, help="Save the valid rows in one transaction (default: preview only).")
@with_appcontext
def roster_import(crew_id: int, path: str, username: str, commit: bool) -> None:
    """Rows with problems are listed by row and column; the exit status is 2 when there were any."""
    from pathlib import Path

    from projectunion.models import Crew, User
    from projectunion.services import rosters

    session = get_session()
    user = session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise click.BadParameter(f"no user {username}", param_hint="--user")
    crew = session.get(Crew, crew_id)
    if crew is None:
        raise click.BadParameter(f"no crew {crew_id}", param_hint="CREW_ID")
    try:
        result = rosters.import_roster(session, user, crew, Path(path).read_bytes(), dry_run=not commit)
    except DomainError as exc:
        _fail(exc)
    for error in result.errors:
        click.echo(f"row {error.row}, {result.headers.get(error.column, error.column)}: {error.message}")
    summary = result.as_dict()
    click.echo(
        ("Committed" if result.committed else "Preview")
        + f": {summary['rows']} rows, {summary['valid']} valid, {len(result.errors)} problems;"
        + f" {summary['created']} join, {summary['updated']} updated, {summary['left']} left, {summary['unchanged']} unchanged."
    )
    if result.errors:
        raise SystemExit(2)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(roster_group)
    from projectunion.server import serve_command

    app.cli.add_command(serve_command)
    from projectunion import demo, reporting_cli

    app.cli.add_command(demo.demo_command)
    app.cli.add_command(reporting_cli.stats_command)
    from projectunion import backup

    backup.init_app(app)
    from projectunion import retention

    retention.init_app(app)
    from projectunion import data_report

    data_report.init_app(app)


def main() -> None:
    from projectunion import create_app

    FlaskGroup(create_app=create_app, add_default_commands=True, load_dotenv=False)(prog_name="projectunion")
