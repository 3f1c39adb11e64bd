"""The `projectunion` command (also `flask --app projectunion ...`)."""

from __future__ import annotations

import secrets

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import format_datetime

from projectunion import cli_language, labels, migrate
from projectunion.cli_language import option
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.i18n import _, _l
from projectunion.models.users import ROLES

#: A token's state as ``users token --list`` prints it (the words of the tokens page).
TOKEN_STATES = {"active": _l("In use"), "expired": _l("Expired"), "revoked": _l("Revoked")}


#: The option (or argument) that gives each field a service may refuse, named as the user typed it.
FIELD_OPTIONS = {
    "username": "USERNAME",
    "password": "--password",
    "role": "--role",
    "display_name": "--name",
    "jurisdiction": "--jurisdiction",
    "contractor": "--contractor",
    "unions": "--union",
    "name": "--name",
    "days": "--expires",
}


def _fail(exc: DomainError) -> None:
    fields = getattr(exc, "fields", {})
    details = "".join(f"\n  {FIELD_OPTIONS.get(k, k)}: {v}" for k, v in fields.items())
    raise click.ClickException(f"{exc.message}{details}")


@click.group("db", help=_l("Database schema (Alembic migrations)."))
def db_group() -> None:
    pass


@db_group.command("upgrade", help=_l("Migrate the database to the newest schema."))
@option("--revision", default="head", show_default=True, help=_l("The Alembic revision to migrate to."))
@with_appcontext
def db_upgrade(revision: str) -> None:
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(_("Database at %(revision)s.", revision=revision))


@db_group.command("downgrade", help=_l("Undo migrations down to REVISION (default: one step)."))
@option("--revision", default="-1", show_default=True, help=_l("The Alembic revision to go back to."))
@with_appcontext
def db_downgrade(revision: str) -> None:
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(_("Database at %(revision)s.", revision=revision))


@db_group.command("check", help=_l("Fail if the models and the migrations disagree."))
@with_appcontext
def db_check() -> None:
    migrate.check(current_app.config["DATABASE_URL"])
    click.echo(_("Models and migrations agree."))


@click.group("users", help=_l("Accounts and API tokens."))
def users_group() -> None:
    pass


@users_group.command("create", help=_l("Create the account USERNAME."))
@click.argument("username")
@option("--role", required=True, type=click.Choice(ROLES), help=_l("What the account may do."))
@option("--password", help=_l("Default: a random one, printed once."))
@option("--name", "display_name", help=_l("The name shown in the app."))
@option("--jurisdiction", "jurisdiction_code", help=_l("Jurisdiction code (staff, officers)."))
@option("--contractor", "contractor_uscc", help=_l("The company's USCC (contractor accounts)."))
@option("--union", "union_ids", multiple=True, type=int, help=_l("A union the officer runs (repeatable)."))
@option("--can-reveal-id", is_flag=True, help=_l("May reveal full ID numbers (audited)."))
@with_appcontext
def users_create(username, role, password, display_name, jurisdiction_code, contractor_uscc, union_ids, can_reveal_id):
    from projectunion.models import Contractor, Union
    from projectunion.services import jurisdictions, users

    session = get_session()
    jurisdiction = jurisdictions.by_code(session, jurisdiction_code)
    if jurisdiction_code and jurisdiction is None:
        raise click.BadParameter(
            _("unknown jurisdiction %(code)s (see: projectunion jurisdictions list)", code=jurisdiction_code),
            param_hint="'--jurisdiction'",
        )
    contractor = None
    if contractor_uscc:
        contractor = session.scalars(sa.select(Contractor).where(Contractor.uscc == contractor_uscc)).first()
        if contractor is None:
            raise click.BadParameter(
                _("unknown contractor %(uscc)s (see: projectunion contractors list)", uscc=contractor_uscc),
                param_hint="'--contractor'",
            )
    unions = [session.get(Union, i) for i in union_ids]
    if None in unions:
        raise click.BadParameter(_("unknown union id (see: projectunion unions list)"), param_hint="'--union'")
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
    role_label = labels.ROLES.get(user.role, user.role)
    if generated:
        click.echo(
            _(
                "Created %(role)s %(username)s with password: %(password)s",
                role=role_label,
                username=user.username,
                password=password,
            )
        )
    else:
        click.echo(_("Created %(role)s %(username)s.", role=role_label, username=user.username))


@users_group.command(
    "token",
    help=_l("Create an API bearer token for USERNAME (printed once); --list shows its tokens, --revoke ID ends one."),
)
@click.argument("username", required=False)
@option("--name", default="cli", show_default=True, help=_l("What the token is for."))
@option(
    "--expires",
    "days",
    type=click.IntRange(1, 365),
    default=90,
    show_default=True,
    help=_l("Days until the new token expires (at most 365)."),
)
@option("--list", "list_tokens", is_flag=True, help=_l("List USERNAME's tokens instead of creating one."))
@option("--revoke", "revoke_id", type=int, metavar="ID", help=_l("Revoke the token with this id (see --list)."))
@with_appcontext
def users_token(username: str | None, name: str, days: int, list_tokens: bool, revoke_id: int | None) -> None:
    from projectunion.models import User
    from projectunion.services import users

    session = get_session()
    if revoke_id is not None:
        try:
            token = users.token_by_id(session, None, revoke_id)
        except DomainError:
            raise click.BadParameter(_("no token %(id)s", id=revoke_id), param_hint="'--revoke'") from None
        was = users.token_state(token)
        users.revoke_token(session, None, token)
        about = {"id": token.id, "name": token.name, "username": token.user.username}
        if was == "revoked":
            click.echo(_("Token %(id)s (%(name)s) of %(username)s was already revoked.", **about))
        else:
            click.echo(_("Token %(id)s (%(name)s) of %(username)s revoked.", **about))
        return
    if not username:
        raise click.UsageError(_("Give a USERNAME (or --revoke ID)."))
    user = session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise click.BadParameter(_("no user %(username)s", username=username), param_hint="'USERNAME'")
    if list_tokens:
        for token in users.tokens_of(session, user):
            last = format_datetime(token.last_used_at, "medium") if token.last_used_at else _("never")
            state = TOKEN_STATES[users.token_state(token)]
            expires = _("expires %(when)s", when=format_datetime(token.expires_at, "medium"))
            click.echo(f"{token.id}\t{token.name}\t{state}\t{expires}\t{_('last used %(when)s', when=last)}")
        return
    try:
        click.echo(users.create_token(session, None, user, name, days=days))
    except DomainError as exc:
        _fail(exc)


@click.group("roster", help=_l("Crew rosters (班组花名册)."))
def roster_group() -> None:
    pass


@roster_group.command(
    "import",
    help=_l(
        "Check (and with --commit, save) a roster file for CREW_ID. Rows with problems are listed by row and "
        "column; the exit status is 2 when there were any."
    ),
)
@click.argument("crew_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@option("--user", "username", required=True, help=_l("Whose permissions apply (a contractor, officer or admin)."))
@option("--commit", is_flag=True, help=_l("Save the valid rows in one transaction (default: preview only)."))
@option(
    "--whole-crew",
    is_flag=True,
    help=_l(
        "The file is the whole crew: record the current members missing from it as having left "
        "(listed, and asked for confirmation with their number). Without it a file only adds and updates."
    ),
)
@option("--yes", is_flag=True, help=_l("With --whole-crew --commit: do not ask before recording who left."))
@with_appcontext
def roster_import(crew_id: int, path: str, username: str, commit: bool, whole_crew: bool, yes: bool) -> None:
    from pathlib import Path

    from projectunion.models import Crew, User
    from projectunion.services import rosters

    session = get_session()
    user = session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise click.BadParameter(_("no user %(username)s", username=username), param_hint="'--user'")
    crew = session.get(Crew, crew_id)
    if crew is None:
        raise click.BadParameter(_("no crew %(id)s", id=crew_id), param_hint="'CREW_ID'")
    data, filename = Path(path).read_bytes(), Path(path).name
    try:
        result = rosters.import_roster(
            session, user, crew, data, dry_run=True, whole_crew=whole_crew, filename=filename
        )
        if result.blocked:
            none = _("none")
            click.echo(
                _(
                    "Columns found in row %(row)s: %(columns)s",
                    row=result.header_row,
                    columns="; ".join(result.found_columns) or none,
                )
            )
            click.echo(
                _(
                    "Required: %(required)s; ignored: %(ignored)s",
                    required=", ".join(str(rosters.FIELD_LABELS[name]) for name in rosters.REQUIRED),
                    ignored="; ".join(result.ignored_columns) or none,
                )
            )
        if whole_crew and result.leaving:
            click.echo(
                _(
                    "%(count)s current members are not in the file and will be recorded as having left:",
                    count=result.left,
                )
            )
            for _id, name, masked in result.leaving:
                click.echo(f"  {name} {masked}")
        elif result.absent:
            click.echo(
                _(
                    "%(count)s current members are not in the file and stay in the crew (no --whole-crew).",
                    count=result.absent,
                )
            )
        if commit:
            if result.left and not yes:
                click.confirm(
                    _("Record %(count)s people as having left crew %(crew)s?", count=result.left, crew=crew.name),
                    abort=True,
                )
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
        column = result.headers.get(error.column, error.column)
        click.echo(_("row %(row)s, %(column)s: %(message)s", row=error.row, column=column, message=error.message))
    summary = result.as_dict()
    counts = {**summary, "problems": len(result.errors)}
    if result.committed:
        line = _(
            "Committed: %(rows)s rows, %(valid)s valid, %(problems)s problems; %(created)s join, "
            "%(updated)s updated, %(left)s left, %(unchanged)s unchanged."
        )
    else:
        line = _(
            "Preview: %(rows)s rows, %(valid)s valid, %(problems)s problems; %(created)s join, "
            "%(updated)s updated, %(left)s left, %(unchanged)s unchanged."
        )
    click.echo(line % counts)
    if result.errors:
        raise SystemExit(2)


# What `users create` needs: the codes, union ids and USCCs to pass it ---------------------------


@click.group("jurisdictions", help=_l("Districts and towns (the codes `users create --jurisdiction` takes)."))
def jurisdictions_group() -> None:
    pass


@jurisdictions_group.command("list", help=_l("Every jurisdiction: code, level and name, the tree indented."))
@with_appcontext
def jurisdictions_list():
    from projectunion.models import Jurisdiction
    from projectunion.reporting_cli import text_table

    rows = []
    for j in get_session().scalars(sa.select(Jurisdiction).order_by(Jurisdiction.path)):
        indent = {"city": "", "district": "  ", "town": "    "}.get(j.level, "")
        rows.append([j.code, str(labels.LEVELS.get(j.level, j.level)), indent + j.name])
    click.echo(text_table([_("Code"), _("Level"), _("Jurisdiction")], rows))


@click.group("unions", help=_l("Unions (the ids `users create --union` takes)."))
def unions_group() -> None:
    pass


@unions_group.command("list", help=_l("Every union: id, kind, state, jurisdiction code and name."))
@option("--kind", type=click.Choice(("project", "regional", "industry")), help=_l("Only unions of this kind."))
@with_appcontext
def unions_list(kind):
    from projectunion.models import Union
    from projectunion.reporting_cli import text_table

    query = sa.select(Union).order_by(Union.id)
    if kind:
        query = query.where(Union.kind == kind)
    rows = [
        [
            str(u.id),
            str(labels.UNION_KINDS.get(u.kind, u.kind)),
            str(labels.STATES["union"].get(u.state, u.state)),
            u.jurisdiction.code,
            u.name,
        ]
        for u in get_session().scalars(query)
    ]
    header = [_("Union id"), _("Kind"), _("State"), _("Jurisdiction code"), _("Union")]
    click.echo(text_table(header, rows))


@click.group("contractors", help=_l("Companies (the USCCs `users create --contractor` takes)."))
def contractors_group() -> None:
    pass


@contractors_group.command("list", help=_l("Every company: USCC, kind and name."))
@with_appcontext
def contractors_list():
    from projectunion.models import Contractor
    from projectunion.reporting_cli import text_table

    rows = [
        [c.uscc, str(labels.CONTRACTOR_KINDS.get(c.kind, c.kind)), c.name]
        for c in get_session().scalars(sa.select(Contractor).order_by(Contractor.name, Contractor.id))
    ]
    click.echo(text_table([_("USCC"), _("Kind"), _("Company")], rows))


def init_app(app: Flask) -> None:
    cli_language.init_app(app)
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

    FlaskGroup(
        create_app=create_app,
        add_default_commands=True,
        load_dotenv=False,
        help=cli_language.lazy_text("The project unions app: its database, accounts, data and server."),
    )(prog_name="projectunion")
