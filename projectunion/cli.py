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


@users_group.command(
    "token",
    help="Create an API bearer token for USERNAME (printed once); --list shows its tokens, --revoke ID ends one.",
)
@click.argument("username", required=False)
@click.option("--name", default="cli", show_default=True)
@click.option(
    "--expires",
    "days",
    type=click.IntRange(1, 365),
    default=90,
    show_default=True,
    help="Days until the new token expires (at most 365).",
)
@click.option("--list", "list_tokens", is_flag=True, help="List USERNAME's tokens instead of creating one.")
@click.option("--revoke", "revoke_id", type=int, metavar="ID", help="Revoke the token with this id (see --list).")
@with_appcontext
def users_token(username: str | None, name: str, days: int, list_tokens: bool, revoke_id: int | None) -> None:
    from projectunion.models import User
    from projectunion.services import users

    session = get_session()
    if revoke_id is not None:
        try:
            token = users.token_by_id(session, None, revoke_id)
        except DomainError:
            raise click.BadParameter(f"no token {revoke_id}", param_hint="--revoke") from None
        was = users.token_state(token)
        users.revoke_token(session, None, token)
        done = "was already revoked." if was == "revoked" else "revoked."
        click.echo(f"Token {token.id} ({token.name}) of {token.user.username} {done}")
        return
    if not username:
        raise click.UsageError("Give a USERNAME (or --revoke ID).")
    user = session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise click.BadParameter(f"no user {username}")
    if list_tokens:
        for token in users.tokens_of(session, user):
            last = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
            click.echo(
                f"{token.id}\t{token.name}\t{users.token_state(token)}\t"
                f"expires {token.expires_at.isoformat(timespec='minutes')}\tlast used {last}"
            )
        return
    try:
        click.echo(users.create_token(session, None, user, name, days=days))
    except DomainError as exc:
        _fail(exc)


@click.group("roster", help="Crew rosters (班组花名册).")
def roster_group() -> None:
    pass


@roster_group.command("import", help="Check (and with --commit, save) a roster file for CREW_ID.")
@click.argument("crew_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="Whose permissions apply (a contractor, officer or admin).")
@click.option("--commit", is_flag=True, help="Save the valid rows in one transaction (default: preview only).")
@click.option(
    "--whole-crew",
    is_flag=True,
    help="The file is the whole crew: record the current members missing from it as having left "
    "(listed, and asked for confirmation with their number). Without it a file only adds and updates.",
)
@click.option("--yes", is_flag=True, help="With --whole-crew --commit: do not ask before recording who left.")
@with_appcontext
def roster_import(crew_id: int, path: str, username: str, commit: bool, whole_crew: bool, yes: bool) -> None:
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
    data, filename = Path(path).read_bytes(), Path(path).name
    try:
        result = rosters.import_roster(
            session, user, crew, data, dry_run=True, whole_crew=whole_crew, filename=filename
        )
        if result.blocked:
            click.echo(f"Columns found in row {result.header_row}: {'; '.join(result.found_columns) or 'none'}")
            click.echo(
                f"Required: {', '.join(rosters.REQUIRED)}; ignored: {'; '.join(result.ignored_columns) or 'none'}"
            )
        if whole_crew and result.leaving:
            click.echo(f"{result.left} current members are not in the file and will be recorded as having left:")
            for _id, name, masked in result.leaving:
                click.echo(f"  {name} {masked}")
        elif result.absent:
            click.echo(f"{result.absent} current members are not in the file and stay in the crew (no --whole-crew).")
        if commit:
            if result.left and not yes:
                click.confirm(f"Record {result.left} people as having left crew {crew.name}?", abort=True)
            result = rosters.import_roster(
                session,
                user,
                crew,
                data,
                dry_run=False,
                whole_crew=whole_crew,
                confirm_left=result.left,
                filename=filename,
            )
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


# What `users create` needs: the codes, union ids and USCCs to pass it ---------------------------


@click.group("jurisdictions", help="Districts and towns (the codes `users create --jurisdiction` takes).")
def jurisdictions_group() -> None:
    pass


@jurisdictions_group.command("list", help="Every jurisdiction: code, level and name, the tree indented.")
@with_appcontext
def jurisdictions_list():
    from projectunion.models import Jurisdiction

    for j in get_session().scalars(sa.select(Jurisdiction).order_by(Jurisdiction.path)):
        indent = {"city": "", "district": "  ", "town": "    "}.get(j.level, "")
        click.echo(f"{j.code:<12} {j.level:<9} {indent}{j.name}")


@click.group("unions", help="Unions (the ids `users create --union` takes).")
def unions_group() -> None:
    pass


@unions_group.command("list", help="Every union: id, kind, state, jurisdiction code and name.")
@click.option("--kind", type=click.Choice(("project", "regional", "industry")), help="Only unions of this kind.")
@with_appcontext
def unions_list(kind):
    from projectunion.models import Union

    query = sa.select(Union).order_by(Union.id)
    if kind:
        query = query.where(Union.kind == kind)
    for u in get_session().scalars(query):
        click.echo(f"{u.id:>6} {u.kind:<9} {u.state:<10} {u.jurisdiction.code:<12} {u.name}")


@click.group("contractors", help="Companies (the USCCs `users create --contractor` takes).")
def contractors_group() -> None:
    pass


@contractors_group.command("list", help="Every company: USCC, kind and name.")
@with_appcontext
def contractors_list():
    from projectunion.models import Contractor

    for c in get_session().scalars(sa.select(Contractor).order_by(Contractor.name, Contractor.id)):
        click.echo(f"{c.uscc:<18} {c.kind:<13} {c.name}")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(roster_group)
    app.cli.add_command(jurisdictions_group)
    app.cli.add_command(unions_group)
    app.cli.add_command(contractors_group)
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
