"""Enrolling a worker never seen before takes a short path (no look-ups, three
INSERTs); what it writes must be exactly what the general path writes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion.exceptions import EnrollmentClosed
from projectunion.models import Membership, StateChange, Union, Worker
from projectunion.realname import parse_id_number
from projectunion.services import memberships, workers
from tests.factories import id_number

DAY = dt.date(2024, 3, 2)
COMPARED = ("state", "applied_on", "joined_on", "ended_on", "source", "consent", "wants_transfer", "crew_id")


def _history(session, membership_id):
    rows = session.execute(
        sa.select(
            StateChange.event,
            StateChange.from_state,
            StateChange.to_state,
            StateChange.on,
            StateChange.actor_id,
            StateChange.data,
        )
        .where(StateChange.machine == "membership", StateChange.object_id == membership_id)
        .order_by(StateChange.id)
    ).all()
    return [tuple(r) for r in rows]


def test_a_new_worker_is_written_exactly_as_a_known_one_would_be(f, db_session):
    union = f.active_union(members=1)
    new_number, known_number = id_number(seq=101), id_number(seq=102)
    # A known worker (registered, never a member) takes the general path.
    workers.find_or_create(db_session, parse_id_number(known_number, today=DAY), "李四")
    db_session.commit()

    newcomer = memberships.enroll(db_session, f.admin, union, id_number=new_number, name="张三", joined_on=DAY)
    known = memberships.enroll(db_session, f.admin, union, id_number=known_number, name="李四", joined_on=DAY)

    db_session.expire_all()
    stored_new, stored_known = db_session.get(Membership, newcomer.id), db_session.get(Membership, known.id)
    assert [getattr(stored_new, c) for c in COMPARED] == [getattr(stored_known, c) for c in COMPARED]
    assert stored_new.state == "active" and stored_new.joined_on == DAY
    assert stored_new.created_at is not None
    assert _history(db_session, newcomer.id) == _history(db_session, known.id)
    assert [h[:3] for h in _history(db_session, newcomer.id)] == [
        ("create", None, "pending"),
        ("approve", "pending", "active"),
    ]
    w = stored_new.worker
    assert (w.name, w.birth_date, w.id_masked) == ("张三", parse_id_number(new_number).birth_date, w.id_masked)
    assert workers.find_by_id_number(db_session, new_number).id == w.id


def test_the_new_membership_is_in_the_session_loaded_and_clean(f, db_session):
    union = f.active_union(members=1)
    m = memberships.enroll(
        db_session, f.admin, union, id_number=id_number(seq=103), name="王五", trade="木工", joined_on=DAY
    )
    state = sa.inspect(m)
    assert state.persistent and not state.expired_attributes and m not in db_session.dirty
    assert db_session.get(Membership, m.id) is m
    assert sa.inspect(m.worker).persistent and m.worker.trade == "木工"
    assert m in m.worker.memberships and m.union is union

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db_session.get_bind(), "before_cursor_execute", count)
    try:
        seen = (m.id, m.worker_id, m.union_id, m.created_at, m.ended_on, m.worker.id_masked, m.worker.created_at)
    finally:
        sa.event.remove(db_session.get_bind(), "before_cursor_execute", count)
    assert statements == []  # nothing left to fetch again
    assert None not in (seen[:4] + seen[5:]) and seen[4] is None


def test_a_union_closed_since_it_was_read_refuses_and_writes_nothing(f, db_session):
    union = f.active_union(members=1)
    # Another request has begun the dissolution; this session still holds the union as active.
    db_session.execute(sa.update(Union.__table__).where(Union.__table__.c.id == union.id).values(state="dissolving"))
    db_session.commit()
    assert union.state == "active"
    number = id_number(seq=104)

    with pytest.raises(EnrollmentClosed):
        memberships.enroll(db_session, f.admin, union, id_number=number, name="赵六", joined_on=DAY)

    assert union.state == "dissolving"
    assert workers.find_by_id_number(db_session, number) is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Worker).where(Worker.name == "赵六")) == 0
