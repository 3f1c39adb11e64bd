"""A process killed with SIGKILL in the middle of a roster import or of a dissolution leaves all of it
or none of it, and a database that is intact (issue 12, "Faults").

Real processes, killed again and again until one finishes: the roster import (the ``projectunion
roster import`` command) at growing delays, the dissolution (the service the wizard calls, in
tests/kill9_dissolve.py) at each of its write statements in turn and at its commit, so that no step
is skipped however fast the machine is. Each test has a database of its own: a SQLite file, or a
fresh PostgreSQL database when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from projectunion import audit_chain, create_app, db, migrate
from projectunion.models import Membership, StateChange, Union
from projectunion.services import crews
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories, roster_csv, roster_person

ROWS = 1200
MEMBERS = 3000
SECRET, DATA_KEY = "kill9-secret", "kill9-data-key-" + "k" * 32
COMMAND = str(Path(sys.executable).with_name("projectunion"))
DISSOLVE = Path(__file__).with_name("kill9_dissolve.py")
JOINED, COMPLETED, DISSOLVED_ON = dt.date(2024, 3, 1), dt.date(2025, 6, 1), dt.date(2025, 6, 30)


@pytest.fixture
def database():
    """A migrated database that only this test and the processes it starts use."""
    with empty_database("pu_kill9") as url:
        migrate.upgrade(url)
        yield url


def app_for(url: str):
    return create_app({**TEST_CONFIG, "DATABASE_URL": url, "SECRET_KEY": SECRET, "DATA_KEY": DATA_KEY})


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PROJECTUNION_DATA_KEY": DATA_KEY}


def _other_sessions(conn: sa.Connection, patience: float = 60.0) -> list[str]:
    """PostgreSQL sessions on this database besides ours, once those of a killed process are gone.

    A server backend whose client was killed ends when it next reads from the client, so one still
    running the killed process's statement is waited for; one left "idle in transaction" would stay.
    """
    deadline = time.monotonic() + patience
    while True:
        states = list(
            conn.exec_driver_sql(
                "SELECT concat_ws(' | ', state, wait_event_type, wait_event, left(query, 200)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalars()
        )
        conn.rollback()  # pg_stat_activity is read once a transaction: the next look needs a new one
        if not states or time.monotonic() > deadline:
            return states
        time.sleep(0.05)


def assert_database_intact(url: str) -> None:
    """No damage and no leftovers of a killed process; both history chains verify."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                writer = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
                try:
                    writer.execute("BEGIN IMMEDIATE")  # "database is locked" if the killed process kept the lock
                    writer.execute("ROLLBACK")
                finally:
                    writer.close()
            else:
                assert _other_sessions(conn) == [], "a killed process left a session on the server"
                prepared = "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()"
                assert conn.exec_driver_sql(prepared).scalar() == 0, "a prepared transaction was left"
            assert list(audit_chain.verify(conn)) == []  # what `projectunion audit verify` walks
    finally:
        engine.dispose()


def assert_audit_verify_passes(url: str) -> None:
    """The administrator's own check, as a command."""
    verify = subprocess.run(
        [COMMAND, "audit", "verify"], env=environment(url), capture_output=True, text=True, timeout=120, check=False
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Audit chain intact" in verify.stdout


def _roster_counts(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            workers = conn.scalar(sa.text("SELECT count(*) FROM workers"))
            members = conn.scalar(sa.text("SELECT count(*) FROM crew_members"))
    finally:
        engine.dispose()
    return workers, members


def test_a_roster_commit_killed_midway_leaves_all_or_nothing(database, tmp_path):
    app = app_for(database)
    with app.app_context():
        session = db.get_session()
        f = Factories(session)
        company = f.contractor()
        boss = f.user("contractor", contractor=company)
        crew = crews.create_crew(session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
        crew_id, username = crew.id, boss.username
    app.extensions["db_engine"].dispose()
    births = [dt.date(1980, 1, 1) + dt.timedelta(days=d) for d in range(ROWS // 1000 + 1)]
    rows = [roster_person(n % 1000, birth=births[n // 1000], name=f"工人{n}") for n in range(ROWS)]
    roster = tmp_path / "roster.csv"
    roster.write_bytes(roster_csv(rows))
    before = _roster_counts(database)
    command = [COMMAND, "roster", "import", str(crew_id), str(roster), "--user", username, "--commit"]

    killed, delay = 0, 0.5
    while True:
        worker = subprocess.Popen(
            command, env=environment(database), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        time.sleep(delay)
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            killed += 1
        output = worker.communicate(timeout=120)[0].decode()
        assert worker.returncode in (0, -signal.SIGKILL), output
        assert_database_intact(database)
        after, everything = _roster_counts(database), (before[0] + ROWS, before[1] + ROWS)
        assert after in (before, everything), f"killed after {delay:.2f} s, half a roster: {after} (before: {before})"
        if after == everything:  # committed (killed, perhaps, only as it was exiting)
            break
        delay += 0.5
        assert delay < 120, "the import never finished"
    assert killed >= 2, "no kill landed while the import was running"
    assert_audit_verify_passes(database)


def _dissolution(url: str, union_id: int, successor_id: int) -> dict:
    """What a dissolution of the union has left: its state, its members, their successors, the history."""
    engine = sa.create_engine(url)
    old = sa.select(Membership.id).where(Membership.union_id == union_id).scalar_subquery()
    handed_on = sa.select(Membership.id).where(Membership.transferred_from_id.in_(old))
    try:
        with engine.connect() as conn:
            union = conn.execute(sa.select(Union.state, Union.dissolved_on).where(Union.id == union_id)).one()
            members = conn.execute(
                sa.select(Membership.state, sa.func.count())
                .where(Membership.union_id == union_id)
                .group_by(Membership.state)
            ).all()
            successors = conn.execute(
                sa.select(Membership.union_id, Membership.state, Membership.source, sa.func.count())
                .where(Membership.id.in_(handed_on))
                .group_by(Membership.union_id, Membership.state, Membership.source)
            ).all()
            endings = conn.execute(
                sa.select(StateChange.event, sa.func.count())
                .where(StateChange.machine == "membership", StateChange.object_id.in_(old))
                .where(StateChange.event.in_(("transfer", "end")))
                .group_by(StateChange.event)
            ).all()
            created = conn.scalar(
                sa.select(sa.func.count()).where(
                    StateChange.machine == "membership",
                    StateChange.event == "create",
                    StateChange.object_id.in_(handed_on),
                )
            )
            dissolved = conn.scalar(
                sa.select(sa.func.count()).where(
                    StateChange.machine == "union", StateChange.object_id == union_id, StateChange.event == "dissolve"
                )
            )
    finally:
        engine.dispose()
    return {
        "union": tuple(union),
        "members": dict(members),
        "handed on": {(u == successor_id, state, source): n for u, state, source, n in successors},
        "endings in the history": dict(endings),
        "new memberships in the history": created,
        "dissolution in the history": dissolved,
    }


def test_a_dissolution_killed_midway_leaves_the_union_as_it_was_or_wholly_dissolved(database):
    app = app_for(database)
    with app.app_context():
        session = db.get_session()
        f = Factories(session)
        successor = f.regional_union()
        union = f.active_union(members=1, on=JOINED)
        f.bulk_members(union, MEMBERS - 1, joined_on=JOINED)
        f.fire(union.project, "complete", on=COMPLETED)
        ended = session.scalar(sa.select(sa.func.max(Membership.id)).where(Membership.union_id == union.id))
        union_id, successor_id, username = union.id, successor.id, f.admin.username
    app.extensions["db_engine"].dispose()
    as_it_was = {
        "union": ("dissolving", None),
        "members": {"active": MEMBERS},
        "handed on": {},
        "endings in the history": {},
        "new memberships in the history": 0,
        "dissolution in the history": 0,
    }
    wholly_dissolved = {
        "union": ("dissolved", DISSOLVED_ON),
        "members": {"transferred": MEMBERS - 1, "ended": 1},
        "handed on": {(True, "active", "dissolution"): MEMBERS - 1},
        "endings in the history": {"transfer": MEMBERS - 1, "end": 1},
        "new memberships in the history": MEMBERS - 1,
        "dissolution in the history": 1,
    }
    assert _dissolution(database, union_id, successor_id) == as_it_was
    command = [sys.executable, str(DISSOLVE), str(union_id), username, DISSOLVED_ON.isoformat()]
    command += [str(successor_id), str(ended)]

    killed_midway, step = 0, 1
    while True:
        worker = subprocess.Popen(command, env=environment(database), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output, steps = [], 0
        for line in worker.stdout:  # until the dissolution has reached this run's step (or the process ended)
            output.append(line.decode())
            steps += line.startswith(b"step ")
            if steps == step:
                worker.send_signal(signal.SIGKILL)
                break
        output = "".join(output) + worker.communicate(timeout=300)[0].decode()
        assert worker.returncode in (0, -signal.SIGKILL), output
        assert_database_intact(database)
        left = _dissolution(database, union_id, successor_id)
        where = f"killed at step {step} of the dissolution ({output.splitlines()[-1]})"
        assert left in (as_it_was, wholly_dissolved), f"{where}: half of it is left: {left}"
        if left == wholly_dissolved:  # committed (killed, perhaps, only as it was exiting)
            break
        killed_midway += 1
        step += 1
        assert step < 1000, "the dissolution never finished"
    assert killed_midway >= 5, "the dissolution was killed at too few steps"
    assert_audit_verify_passes(database)
