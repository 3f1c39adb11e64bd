"""`projectunion demo`: a whole city loaded through the services, deterministic, loaded only once."""

from __future__ import annotations

import datetime as dt
import random
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask.testing import FlaskCliRunner
from stdnum.cn import uscc

from projectunion import create_app, db, permissions
from projectunion.dates import today
from projectunion.demo import People, summary
from projectunion.lifecycle.declarations import ALL
from projectunion.models import (
    AuditEvent,
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
from projectunion.models.service_records import SERVICE_KINDS
from projectunion.protection import protector
from projectunion.realname import age_on, parse_id_number
from projectunion.services import users
from projectunion.services.site_entries import pending_exit_decisions
from tests.conftest import TEST_CONFIG

SMALL = ["--workers", "60", "--seed", "3"]


@dataclass
class City:
    runner: FlaskCliRunner
    output: str
    session: so.Session
    instance: Path
    connection: sa.Connection
    first_load: tuple[list, list]


def fingerprint(connection: sa.Connection) -> tuple[list, list]:
    """Who the workers are and where they were when: the same seed must give the same."""
    people = connection.execute(
        sa.select(Worker.id_digest, Worker.name, Worker.phone_digest, Worker.trade).order_by(Worker.id)
    ).all()
    history = connection.execute(
        sa.select(Worker.id_digest, Union.name, Membership.state, Membership.joined_on, Membership.ended_on)
        .join(Worker, Membership.worker_id == Worker.id)
        .join(Union, Membership.union_id == Union.id)
        .order_by(Membership.id)
    ).all()
    return people, history


@pytest.fixture(scope="module")
def city(engine, database_url, tmp_path_factory):
    """One demo city for this module (loading it takes seconds), rolled back at the end.

    It is loaded twice with the same seed: once in a savepoint that is rolled
    back, then for good, so that the tests can compare the two.
    """
    connection = engine.connect()
    transaction = connection.begin()
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    db.use_sessionmaker(
        app, so.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    with app.app_context():
        runner = app.test_cli_runner()
        attempt = connection.begin_nested()
        first = runner.invoke(args=["demo", *SMALL])
        assert first.exit_code == 0, first.output
        before = fingerprint(connection)
        attempt.rollback()
        result = runner.invoke(args=["demo", *SMALL])
        assert result.exit_code == 0, result.output
        yield City(runner, result.output, db.get_session(), Path(app.instance_path), connection, before)
    transaction.rollback()
    connection.close()


def states(session: so.Session, column, *where) -> set[str]:
    return set(session.scalars(sa.select(column).where(*where).distinct()))


def test_demo_city_has_every_stage_of_every_lifecycle(city):
    assert states(city.session, Project.state) == set(ALL["project"].states)
    assert states(city.session, Union.state, Union.kind == "project") == set(ALL["union"].states)
    assert states(city.session, Membership.state) == set(ALL["membership"].states)
    assert states(city.session, WageCase.state) == set(ALL["wage_case"].states)
    assert states(city.session, ServiceRecord.kind) == set(SERVICE_KINDS)
    assert states(city.session, Membership.end_reason) >= {"left_site", "withdrew", "project_completed"}
    halted = city.session.scalars(sa.select(Project).where(Project.state == "halted")).all()
    assert {p.union.state for p in halted} == {"suspended"}
    completed = city.session.scalars(sa.select(Project).where(Project.state == "completed")).all()
    assert {p.union.state for p in completed} == {"dissolving", "dissolved"}
    resolved = city.session.scalars(sa.select(WageCase).where(WageCase.state == "resolved")).all()
    assert all(0 < c.amount_recovered <= c.amount_claimed and c.workers for c in resolved)


def test_demo_city_is_weihai_with_a_regional_union_per_town(city):
    levels = dict(
        city.session.execute(sa.select(Jurisdiction.level, sa.func.count()).group_by(Jurisdiction.level)).all()
    )
    assert levels == {"city": 1, "district": 5, "town": 64}
    regional = city.session.scalars(sa.select(Union).where(Union.kind == "regional")).all()
    assert sorted(u.jurisdiction.name + "区域工会" for u in regional) == sorted(u.name for u in regional)
    assert {u.jurisdiction.level for u in regional} == {"town"} and len(regional) == 64
    industry = city.session.scalars(sa.select(Union.name).where(Union.kind == "industry")).all()
    assert "威海市建筑业工会" in industry
    companies = city.session.scalars(sa.select(Contractor)).all()
    assert {c.kind for c in companies} == {"general", "subcontractor", "labor_service"}
    assert all(uscc.is_valid(c.uscc) for c in companies)
    assert city.session.scalar(sa.select(sa.func.count()).select_from(Crew).where(Crew.leader_worker_id.is_not(None)))
    assert city.session.scalar(
        sa.select(sa.func.count()).select_from(CrewMember).where(CrewMember.left_on.is_not(None))
    )
    assert city.session.scalar(
        sa.select(sa.func.count()).select_from(SiteEntry).where(SiteEntry.exited_on.is_not(None))
    )


def test_dissolved_unions_handed_their_members_on(city):
    dissolved = city.session.scalars(sa.select(Union).where(Union.state == "dissolved")).all()
    assert dissolved
    successors = set()
    for union in dissolved:
        roster = city.session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).all()
        assert roster and not [m for m in roster if m.state == "active"]  # the old roster stays readable
        handed_on = [m for m in roster if m.state == "transferred" and m.ended_on == union.dissolved_on]
        assert handed_on
        for old in handed_on:
            new = city.session.scalars(sa.select(Membership).where(Membership.transferred_from_id == old.id)).one()
            assert new.worker_id == old.worker_id and new.joined_on == union.dissolved_on
            assert new.union.kind in ("regional", "industry")
            successors.add((new.union.kind, new.union.jurisdiction_id == union.jurisdiction_id))
    assert ("regional", True) in successors  # the regional union of the project's own town


def test_no_worker_is_active_twice_and_no_membership_runs_backwards(city):
    doubled = city.session.scalars(
        sa.select(Membership.worker_id)
        .where(Membership.state == "active")
        .group_by(Membership.worker_id)
        .having(sa.func.count() > 1)
    ).all()
    assert doubled == []
    assert not city.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.ended_on < Membership.joined_on)
    )
    active_in_dissolved = city.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .join(Union, Membership.union_id == Union.id)
        .where(Membership.state == "active", Union.state == "dissolved")
    )
    assert active_in_dissolved == 0
    moved = city.session.scalars(
        sa.select(Membership).where(Membership.transferred_from_id.is_not(None), Membership.source != "dissolution")
    ).all()
    assert moved  # transfers between unions, not only at dissolutions
    assert all(m.transferred_from.state == "transferred" and m.transferred_from.union_id != m.union_id for m in moved)


def test_history_lies_in_the_last_three_years(city):
    earliest, latest = city.session.execute(
        sa.select(sa.func.min(StateChange.on), sa.func.max(StateChange.on)).where(
            StateChange.machine.in_(("project", "membership", "wage_case"))
        )
    ).one()
    assert today() - dt.timedelta(days=3 * 366) <= earliest and latest <= today()
    founded = city.session.scalars(sa.select(Union).where(Union.founded_on.is_not(None))).all()
    assert all(u.chair is not None and u.chair.union_id == u.id for u in founded)


def test_workers_have_valid_id_numbers_ages_and_phones(city):
    workers = city.session.scalars(sa.select(Worker)).all()
    assert len(workers) == 60
    for worker in workers:
        resident = parse_id_number(protector().decrypt(worker.id_encrypted), today=today())
        assert resident.masked == worker.id_masked and resident.birth_date == worker.birth_date
        assert 18 <= age_on(worker.birth_date, today()) <= 60
        assert worker.phone is None or re.fullmatch(r"1[3-9]\d{9}", worker.phone)
        assert worker.trade


def test_people_are_realistic_at_the_default_size():
    people = People(random.Random(1), dt.date(2026, 6, 1), ["山东", "河南", "四川", "安徽", "河北"])
    crowd = [people.new(dt.date(2024, 1, 1) + dt.timedelta(days=i % 900)) for i in range(2500)]
    assert len({p.number for p in crowd}) == 2500
    assert 3 <= sum("\u00b7" in p.name for p in crowd) <= 40  # a few minority names with the middle dot
    origins = {parse_id_number(p.number, today=dt.date(2026, 6, 1)).province_code for p in crowd}
    assert origins == {"37", "41", "51", "34", "13", "65"}


def test_pending_applications_wait_in_open_unions(city):
    pending = city.session.scalars(sa.select(Membership).where(Membership.state == "pending")).all()
    assert len(pending) >= 3
    assert {m.union.state for m in pending} <= {"preparing", "active"}
    assert all(m.source == "application" and m.receipt_code for m in pending)
    assert any(m.wants_transfer for m in pending)


def test_demo_users_can_work_in_their_scope(city):
    by_name = {u.username: u for u in city.session.scalars(sa.select(User))}
    assert {u.role for u in by_name.values()} == {"admin", "officer", "union_staff", "city_staff", "contractor"}
    officer = by_name["officer"]
    assert len(officer.unions) >= 2
    assert all(permissions.can_manage_union(officer, u) for u in officer.unions)
    assert pending_exit_decisions(city.session, officer, next(u for u in officer.unions if u.state == "active"))
    contractor = by_name["contractor"]
    assert any(permissions.can_view_project(contractor, p) for p in city.session.scalars(sa.select(Project)))
    assert by_name["huancui"].jurisdiction.name == "环翠区"


def test_logins_are_printed_saved_privately_and_repeated_by_if_empty(city):
    saved = city.instance / "demo-logins.txt"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    logins = {line.split("\t")[0]: line.split("\t")[1] for line in saved.read_text().splitlines()[1:]}
    admin = city.session.scalars(sa.select(User).where(User.username == "admin")).one()
    assert users.check_password(admin, logins["admin"])
    assert logins["admin"] in city.output and logins["officer"] in city.output
    assert len({logins[name] for name in ("officer", "huancui", "yangting", "city", "contractor")}) == 1

    def counts():
        """The demo's own summary of what it loaded, and the accounts and audit rows it does not list."""
        extra = [city.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (User, AuditEvent)]
        return [*summary(city.session), *extra]

    before = counts()
    again = city.runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "already has data" in again.output and logins["admin"] in again.output
    assert counts() == before


def test_demo_refuses_a_database_with_data(city):
    result = city.runner.invoke(args=["demo", *SMALL])
    assert result.exit_code != 0
    assert "already has data" in result.output


def test_same_seed_gives_the_same_city(city):
    people, history = fingerprint(city.connection)
    assert len(people) == 60 and len(history) > 60
    assert (people, history) == city.first_load
