"""A crew's state changes only through the crew machine, and each change leaves its history row."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion import lifecycle, migrate
from projectunion.exceptions import Conflict, ValidationError
from projectunion.models import CrewMember, StateChange
from projectunion.services import crews, site_entries
from tests.databases import empty_database
from tests.factories import id_number


@pytest.fixture
def boss(f):
    return f.user("contractor", contractor=f.contractor())


@pytest.fixture
def crew(db_session, boss):
    return crews.create_crew(db_session, boss, boss.contractor, name="木工班", created_on=dt.date(2024, 1, 1))


def history(session, crew) -> list[tuple]:
    rows = session.scalars(
        sa.select(StateChange)
        .where(StateChange.machine == "crew", StateChange.object_id == crew.id)
        .order_by(StateChange.id)
    )
    return [(r.event, r.from_state, r.to_state, r.on, r.actor_id) for r in rows]


def test_a_new_crew_records_how_it_began(db_session, boss, crew):
    assert history(db_session, crew) == [("create", None, "open", dt.date(2024, 1, 1), boss.id)]


def test_closing_records_the_transition_and_ends_every_members_period(db_session, boss, crew):
    first = crews.add_member(
        db_session, boss, crew, id_number=id_number(seq=1), name="甲", joined_on=dt.date(2024, 2, 1)
    )
    crews.add_member(db_session, boss, crew, id_number=id_number(seq=2), name="乙", joined_on=dt.date(2024, 3, 1))
    crews.set_leader(db_session, boss, crew, first.worker_id)
    crews.close_crew(db_session, boss, crew, on=dt.date(2024, 6, 1))
    assert (crew.state, crew.closed_on, crew.leader_worker_id) == ("closed", dt.date(2024, 6, 1), None)
    assert history(db_session, crew)[-1] == ("close", "open", "closed", dt.date(2024, 6, 1), boss.id)
    left = db_session.scalars(sa.select(CrewMember.left_on).where(CrewMember.crew_id == crew.id)).all()
    assert left == [dt.date(2024, 6, 1)] * 2
    assert lifecycle.allowed_events(crew) == []


def test_a_crew_still_on_a_site_stays_open_and_nothing_is_recorded(db_session, f, boss, crew):
    project = f.started_union().project
    site_entries.enter_site(db_session, boss, project, crew=crew, entered_on=dt.date(2024, 3, 5))
    with pytest.raises(Conflict):
        crews.close_crew(db_session, boss, crew, on=dt.date(2024, 6, 1))
    assert crew.state == "open"
    assert [row[0] for row in history(db_session, crew)] == ["create"]


@pytest.mark.parametrize(
    ("joined_on", "closed_on"),
    [(None, dt.date(2023, 12, 31)), (dt.date(2024, 5, 1), dt.date(2024, 4, 30))],
    ids=["before-the-crew-existed", "before-a-member-joined"],
)
def test_a_crew_cannot_close_before_its_own_history(db_session, boss, crew, joined_on, closed_on):
    if joined_on:
        crews.add_member(db_session, boss, crew, id_number=id_number(seq=3), name="丙", joined_on=joined_on)
    with pytest.raises(ValidationError):
        crews.close_crew(db_session, boss, crew, on=closed_on)
    assert crew.state == "open" and lifecycle.allowed_events(crew) == ["close"]


def test_the_upgrade_gives_existing_crews_their_history():
    with empty_database("pu_crew") as url:
        migrate.upgrade(url, "0002")
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO contractors (id, name, uscc, kind, created_at) "
                        "VALUES (1, '威海建工', '91371000MA3C7Y1X2P', 'general', CURRENT_TIMESTAMP)"
                    )
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO crews (id, contractor_id, name, state, created_on, closed_on) VALUES "
                        "(1, 1, '一班', 'open', '2024-01-01', NULL), (2, 1, '二班', 'closed', '2024-01-02', '2024-05-01')"
                    )
                )
            migrate.upgrade(url)
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text(
                        "SELECT object_id, event, from_state, to_state FROM state_changes "
                        "WHERE machine = 'crew' ORDER BY object_id, id"
                    )
                ).all()
            assert [tuple(r) for r in rows] == [
                (1, "create", None, "open"),
                (2, "create", None, "open"),
                (2, "close", "open", "closed"),
            ]
            migrate.downgrade(url, "0002")
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM state_changes")).scalar() == 0
        finally:
            engine.dispose()
