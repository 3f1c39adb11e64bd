"""`projectunion demo`: the accounts, the load in one transaction, the summary and the logins file."""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask.cli import with_appcontext

from projectunion import labels
from projectunion.cli_language import option
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.demo.catalogue import OFFICER2_TOWN, OFFICER_TOWN
from projectunion.demo.loader import Loader
from projectunion.demo.plan import Plan
from projectunion.exceptions import DomainError
from projectunion.i18n import _, _l
from projectunion.models import (
    Contractor,
    Crew,
    CrewMember,
    Jurisdiction,
    Membership,
    Project,
    ServiceRecord,
    SiteEntry,
    StateChange,
    Union,
    User,
    WageCase,
    Worker,
)
from projectunion.reporting_cli import text_width
from projectunion.services import (
    jurisdictions,
    users,
)

DEFAULT_SEED = 1
DEFAULT_WORKERS = 2500
LOGINS_FILE = "demo-logins.txt"
MIN_WORKERS = 40
# username, role, display name, where (a jurisdiction code or a town's name), what to tell people
ACCOUNTS = (
    ("city", "city_staff", "市总工会 王静", None, _l("city staff: every total, read-only")),
    ("huancui", "union_staff", "环翠区总工会 孙丽", "371002", _l("district union staff of %(place)s", place="环翠区")),
    ("yangting", "union_staff", "羊亭镇工会 赵敏", OFFICER_TOWN, _l("town union staff of %(place)s", place="羊亭镇")),
    (
        "officer",
        "officer",
        "刘海涛",
        OFFICER_TOWN,
        _l("site union officer of three project unions in %(place)s", place="羊亭镇"),
    ),
    (
        "officer2",
        "officer",
        "陈建华",
        OFFICER2_TOWN,
        _l("site union officer of a halted project in %(place)s", place="崖头街道"),
    ),
)
#: Who each demo account is, said in the run's language (the logins file keeps the words of the first run).
ABOUT = {"admin": _l("administrator"), **{username: about for username, *_rest, about in ACCOUNTS}}


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    about: Any


@contextmanager
def one_transaction() -> Iterator[so.Session]:
    """A session whose every commit is a savepoint of one outer transaction, committed at the end.

    When the app's session is already bound to a connection inside a
    transaction (the tests), the load joins that transaction instead.
    """
    bind = get_session().get_bind()
    with ExitStack() as stack:
        if isinstance(bind, sa.Connection) and bind.in_transaction():
            connection = bind
        else:
            connection = stack.enter_context(bind.connect())
            stack.enter_context(connection.begin())
        yield stack.enter_context(
            so.Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        )


def _accounts(
    session: so.Session, towns: list[Jurisdiction], demo_password: str
) -> tuple[dict[str, User], list[Login]]:
    admin_password = secrets.token_urlsafe(12)
    accounts = {
        "admin": users.create_user(
            session, None, username="admin", password=admin_password, role="admin", display_name="系统管理员"
        )
    }
    logins = [Login("admin", admin_password, ABOUT["admin"])]
    for username, role, display_name, where, about in ACCOUNTS:
        place = None
        if where:
            place = jurisdictions.by_code(session, where) or next(t for t in towns if t.name == where)
        accounts[username] = users.create_user(
            session,
            None,
            username=username,
            password=demo_password,
            role=role,
            display_name=display_name,
            jurisdiction=place,
        )
        logins.append(Login(username, demo_password, about))
    return accounts, logins


def load(session: so.Session, seed: int, n_workers: int) -> list[Login]:
    """Load the whole demo city into an empty database; returns the logins."""
    anchor = today()
    rng = random.Random(seed)
    data = json.loads(jurisdictions.DIVISIONS_FILE.read_text(encoding="utf-8"))
    city = jurisdictions.load_divisions(session)
    session.commit()
    towns = list(
        session.scalars(sa.select(Jurisdiction).where(Jurisdiction.level == "town").order_by(Jurisdiction.code))
    )
    demo_password = f"demo-{secrets.token_hex(4)}"
    accounts, logins = _accounts(session, towns, demo_password)
    plan = Plan(rng, anchor, n_workers, towns, data)
    loader = Loader(session, random.Random(f"{seed}:replay"), anchor, accounts)
    loader.standing_unions(towns, city, plan.begin)
    loader.register_contractors(plan.contractors)
    company = plan.contractors[0]
    loader.contractor_user_company = company
    accounts["contractor"] = users.create_user(
        session,
        None,
        username="contractor",
        password=demo_password,
        role="contractor",
        display_name=f"{company.name} 劳资专管员",
        contractor=company.row,
    )
    logins.append(Login("contractor", demo_password, _l("contractor: %(company)s", company=company.name)))
    plan.members(loader)
    plan.lifecycle(loader)
    for on, _priority, _seq, action, args in sorted(plan.events, key=lambda e: e[:3]):
        try:
            action(*args)
        except DomainError as exc:
            details = getattr(exc, "fields", None) or ""
            raise RuntimeError(f"demo: {action.__name__} on {on} was refused: {exc.message} {details}") from exc
    loader.applications(plan)
    loader.services(max(10, n_workers // 8))
    return logins


def summary(session: so.Session) -> list[str]:
    def count(model, *where) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    def by(column, words: dict[str, Any], *where) -> str:
        rows = session.execute(sa.select(column, sa.func.count()).where(*where).group_by(column).order_by(column))
        return ", ".join(f"{words.get(value, value)} {n}" for value, n in rows)

    transfers = count(Membership, Membership.transferred_from_id.is_not(None))
    handed_on = count(Membership, Membership.source == "dissolution")
    recovered = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(WageCase.amount_recovered), 0)).where(WageCase.state == "resolved")
    )
    money = f"¥{Decimal(recovered):,.2f}"
    lines = [
        (
            _("jurisdictions"),
            _("%(count)s (%(groups)s)", count=count(Jurisdiction), groups=by(Jurisdiction.level, labels.LEVELS)),
        ),
        (
            _("unions"),
            _(
                "%(count)s (%(kinds)s); project unions: %(states)s",
                count=count(Union),
                kinds=by(Union.kind, labels.UNION_KINDS),
                states=by(Union.state, labels.STATES["union"], Union.kind == "project"),
            ),
        ),
        (
            _("projects"),
            _("%(count)s (%(groups)s)", count=count(Project), groups=by(Project.state, labels.STATES["project"])),
        ),
        (
            _("contractors"),
            _(
                "%(contractors)s, crews %(crews)s, crew members over time %(members)s, site entries %(entries)s",
                contractors=count(Contractor),
                crews=count(Crew),
                members=count(CrewMember),
                entries=count(SiteEntry),
            ),
        ),
        (_("workers"), str(count(Worker))),
        (
            _("memberships"),
            _(
                "%(count)s (%(states)s); %(transfers)s transfers, %(handed_on)s of them at dissolutions",
                count=count(Membership),
                states=by(Membership.state, labels.STATES["membership"]),
                transfers=transfers,
                handed_on=handed_on,
            ),
        ),
        (
            _("wage cases"),
            _(
                "%(count)s (%(states)s), %(recovered)s recovered",
                count=count(WageCase),
                states=by(WageCase.state, labels.STATES["wage_case"]),
                recovered=money,
            ),
        ),
        (
            _("service records"),
            _(
                "%(count)s (%(groups)s)",
                count=count(ServiceRecord),
                groups=by(ServiceRecord.kind, labels.SERVICE_KINDS),
            ),
        ),
        (_("state changes"), str(count(StateChange))),
    ]
    width = max(text_width(label) for label, _text in lines)
    return [f"  {label}{' ' * (width - text_width(label))}  {text}" for label, text in lines]


def _save_logins(path: Path, logins: list[Login]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# projectunion demo logins (username, password, who); keep this file private\n")
        fh.writelines(f"{login.username}\t{login.password}\t{login.about}\n" for login in logins)


def _saved_logins(path: Path) -> list[Login]:
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [Login(*row) for row in rows if len(row) == 3]


def _echo_logins(logins: list[Login], path: Path) -> None:
    click.echo(_("Sign in with (saved in %(path)s):", path=path))
    width = max(len(login.username) for login in logins)
    for login in logins:
        about = ABOUT.get(login.username, login.about)
        click.echo(f"  {login.username:<{width}}  {login.password:<16}  {about}")


def _echo_saved_logins(session: so.Session, path: Path) -> None:
    """Repeat the first run's logins, if they still open this database."""
    logins = _saved_logins(path)
    admin = logins and session.scalar(sa.select(User).where(User.username == logins[0].username))
    if admin and users.check_password(admin, logins[0].password):
        _echo_logins(logins, path)
    else:
        click.echo(_("Sign in with your own account (create one with: projectunion users create NAME --role admin)."))


@click.command("demo", help=_l("Load a demo city (Weihai) with three years of history into an empty database."))
@option("--if-empty", is_flag=True, help=_l("Do nothing (but say how to sign in) when the database has data."))
@option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help=_l("Same seed, same data (on one day)."))
@option(
    "--workers",
    "n_workers",
    type=click.IntRange(min=MIN_WORKERS),
    default=DEFAULT_WORKERS,
    show_default=True,
    help=_l("How many workers."),
)
@with_appcontext
def demo_command(if_empty: bool, seed: int, n_workers: int) -> None:
    path = Path(current_app.instance_path) / LOGINS_FILE
    started = time.perf_counter()
    with one_transaction() as session:
        if session.scalar(sa.select(Jurisdiction.id).limit(1)) is not None:
            if not if_empty:
                raise click.ClickException(
                    _(
                        "The database already has data; the demo loads only into an empty database "
                        "(use --if-empty to skip it quietly)."
                    )
                )
            click.echo(_("The database already has data: the demo was not loaded."))
            _echo_saved_logins(session, path)
            return
        logins = load(session, seed, n_workers)
        lines = summary(session)
    _save_logins(path, logins)
    click.echo(
        _("Loaded the demo city (seed %(seed)s) in %(seconds).1f s:", seed=seed, seconds=time.perf_counter() - started)
    )
    for line in lines:
        click.echo(line)
    _echo_logins(logins, path)
