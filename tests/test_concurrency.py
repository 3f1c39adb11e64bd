"""Two connections enrolling at the same moment (PostgreSQL): exactly one wins,
the other gets a clear conflict, and nothing is half-written."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import db
from projectunion.exceptions import AlreadyMember
from projectunion.lifecycle import membership as membership_lifecycle
from projectunion.models import Membership, Union, User, Worker
from projectunion.services import memberships
from projectunion.services.events import fire_checked_and_commit
from tests.conftest import PG_URL
from tests.factories import Factories, id_number

pytestmark = pytest.mark.skipif(not PG_URL, reason="concurrency is tested on PostgreSQL")
NAME = "并发工人"


@pytest.fixture
def in_step(monkeypatch):
    """Hold both transactions after every check has passed and before either writes."""
    gate = threading.Barrier(2, timeout=5)
    original = membership_lifecycle.LIFECYCLE.effects["record_joining"]

    def wait_then_join(m, ctx):
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait()
        original(m, ctx)

    monkeypatch.setitem(membership_lifecycle.LIFECYCLE.effects, "record_joining", wait_then_join)


def _setup(app):
    with app.app_context():
        f = Factories(db.get_session())
        first = f.active_union(members=1)
        second = f.active_union(members=1)
        return f, f.admin.id, first.id, second.id


def _race(app, jobs):
    """Run each job in its own thread, app context and connection; collect results or errors."""
    barrier = threading.Barrier(len(jobs), timeout=20)
    results: list = [None] * len(jobs)

    def run(i, job):
        with app.app_context():
            session: so.Session = db.get_session()
            try:
                barrier.wait()
                results[i] = job(session)
            except Exception as exc:  # noqa: BLE001 — the outcome under test
                exc.__traceback__ = None
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _enroll_job(admin_id, union_id, number, transfer=False):
    def job(session):
        return memberships.enroll(
            session,
            session.get(User, admin_id),
            session.get(Union, union_id),
            id_number=number,
            name=NAME,
            joined_on=dt.date(2024, 4, 1),
            transfer=transfer,
        ).id

    return job


def _rows(app):
    with app.app_context():
        session = db.get_session()
        workers = session.scalars(sa.select(Worker).where(Worker.name == NAME)).all()
        rows = session.scalars(
            sa.select(Membership).where(Membership.worker_id.in_([w.id for w in workers])).order_by(Membership.id)
        ).all()
        return workers, [(m.id, m.union_id, m.state, m.transferred_from_id) for m in rows]


def test_same_worker_enrolled_into_two_unions_at_once(live_app, in_step):
    _, admin_id, first_id, second_id = _setup(live_app)
    number = id_number()
    with live_app.app_context():  # known to the system, not active anywhere
        session = db.get_session()
        f = Factories(session)
        earlier = f.active_union(members=1)
        m = f.enroll(earlier, id_number=number, name=NAME, on=dt.date(2024, 1, 5))
        f.fire(m, "end", on=dt.date(2024, 2, 1), reason="left_site")

    results = _race(live_app, [_enroll_job(admin_id, first_id, number), _enroll_job(admin_id, second_id, number)])

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], AlreadyMember)
    _, rows = _rows(live_app)
    active = [r for r in rows if r[2] == "active"]
    assert [r[0] for r in active] == winners
    assert losers[0].union_id == active[0][1]  # the loser is told where the worker now is
    assert {r[2] for r in rows} == {"ended", "active"}  # no pending row left behind


def test_same_new_id_number_enrolled_twice_at_once(live_app):
    _, admin_id, first_id, second_id = _setup(live_app)
    number = id_number()
    results = _race(live_app, [_enroll_job(admin_id, first_id, number), _enroll_job(admin_id, second_id, number)])
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], AlreadyMember)
    workers, rows = _rows(live_app)
    assert len(workers) == 1
    assert [(r[0], r[2]) for r in rows] == [(winners[0], "active")]


def test_two_transfers_of_the_same_member_at_once_never_leave_two_active(live_app):
    _, admin_id, first_id, second_id = _setup(live_app)
    number = id_number()
    with live_app.app_context():
        session = db.get_session()
        f = Factories(session)
        f.enroll(f.regional_union(), id_number=number, name=NAME, on=dt.date(2024, 3, 1))

    results = _race(
        live_app, [_enroll_job(admin_id, first_id, number, True), _enroll_job(admin_id, second_id, number, True)]
    )

    _, rows = _rows(live_app)
    assert len([r for r in rows if r[2] == "active"]) == 1
    # each transferred membership hands over to exactly one successor: a chain, no fork
    sources = [r[3] for r in rows if r[3] is not None]
    assert len(sources) == len(set(sources))
    for r in results:
        assert isinstance(r, (int, AlreadyMember)), r


def test_a_union_abandoned_while_a_worker_is_enrolled_never_keeps_an_active_member(live_app, monkeypatch):
    """The enrollment re-reads the union's state with a share lock: abandoning waits for it, then hands the
    new member on; without the lock the union would end up dissolved with an active member."""
    with live_app.app_context():
        f = Factories(db.get_session())
        union_id, admin_id = f.started_union().id, f.admin.id  # preparing: open for enrollment, may be abandoned
    locked, original = threading.Event(), membership_lifecycle.LIFECYCLE.effects["record_joining"]

    def hold_after_the_check(m, ctx):
        # The union's state has been checked in this transaction; the member is being written.
        locked.set()
        time.sleep(0.5)  # the abandonment starts meanwhile and must wait for this transaction
        original(m, ctx)

    monkeypatch.setitem(membership_lifecycle.LIFECYCLE.effects, "record_joining", hold_after_the_check)

    def abandon(session):
        assert locked.wait(10)
        fire_checked_and_commit(session, session.get(User, admin_id), session.get(Union, union_id), "abandon")
        return "abandoned"

    results = _race(live_app, [_enroll_job(admin_id, union_id, id_number()), abandon])

    assert isinstance(results[0], int) and results[1] == "abandoned", results
    with live_app.app_context():
        session = db.get_session()
        assert session.get(Union, union_id).state == "dissolved"
        member = session.get(Membership, results[0])
        assert member.state in ("ended", "transferred")
        active = sa.select(sa.func.count()).where(Membership.union_id == union_id, Membership.state == "active")
        assert session.scalar(active) == 0
