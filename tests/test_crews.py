"""Crews: create, rename, leader, close; members over time, never overwritten; scope."""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from projectunion.services import crews, site_entries
from tests.factories import id_number


def add(session, boss, crew, n, joined_on=dt.date(2024, 3, 1)):
    return crews.add_member(session, boss, crew, id_number=id_number(seq=n), name=f"工人{n}", joined_on=joined_on)


def test_create_rename_and_unique_names(db_session, boss, company, crew):
    assert (crew.name, crew.state, crew.created_on) == ("钢筋一班", "open", dt.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        crews.create_crew(db_session, boss, company, name=" 钢筋一班 ")
    crews.rename_crew(db_session, boss, crew, "钢筋二班")
    assert crew.name == "钢筋二班"
    with pytest.raises(ValidationError):
        crews.rename_crew(db_session, boss, crew, "")


def test_the_leader_must_be_a_current_member(db_session, boss, crew):
    first = add(db_session, boss, crew, 1)
    with pytest.raises(ValidationError):
        crews.set_leader(db_session, boss, crew, first.worker_id + 1000)
    crews.set_leader(db_session, boss, crew, first.worker_id)
    assert crew.leader.name == "工人1"
    crews.remove_member(db_session, boss, first, left_on=dt.date(2024, 4, 1))
    assert crew.leader_worker_id is None


def test_members_over_time_keep_every_period(db_session, boss, crew):
    first = add(db_session, boss, crew, 1)
    with pytest.raises(ValidationError):
        add(db_session, boss, crew, 1)
    crews.remove_member(db_session, boss, first, left_on=dt.date(2024, 5, 1))
    with pytest.raises(Conflict):
        crews.remove_member(db_session, boss, first, left_on=dt.date(2024, 6, 1))
    add(db_session, boss, crew, 1, joined_on=dt.date(2024, 7, 1))
    periods = [(m.joined_on, m.left_on) for m in crews.member_history(db_session, crew)]
    assert periods == [(dt.date(2024, 7, 1), None), (dt.date(2024, 3, 1), dt.date(2024, 5, 1))]


def test_leaving_before_joining_or_in_the_future_is_refused(db_session, boss, crew):
    member = add(db_session, boss, crew, 1)
    with pytest.raises(ValidationError):
        crews.remove_member(db_session, boss, member, left_on=dt.date(2024, 2, 1))
    with pytest.raises(ValidationError):
        crews.remove_member(db_session, boss, member, left_on=today() + dt.timedelta(days=1))


def test_an_under_16_worker_cannot_join_a_crew(db_session, boss, crew):
    with pytest.raises(ValidationError) as info:
        crews.add_member(
            db_session,
            boss,
            crew,
            id_number=id_number(seq=3, birth=dt.date(2010, 1, 1)),
            name="童工",
            joined_on=dt.date(2024, 3, 1),
        )
    assert "16" in str(info.value.fields["id_number"])


def test_closing_a_crew_refused_while_on_a_site_then_everyone_leaves(f, db_session, boss, crew):
    add(db_session, boss, crew, 1)
    project = f.started_union().project
    entry = site_entries.enter_site(db_session, boss, project, crew=crew, entered_on=dt.date(2024, 3, 5))
    with pytest.raises(Conflict):
        crews.close_crew(db_session, boss, crew, on=dt.date(2024, 6, 1))
    site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 5, 31))
    crews.close_crew(db_session, boss, crew, on=dt.date(2024, 6, 1))
    assert (crew.state, crew.closed_on) == ("closed", dt.date(2024, 6, 1))
    assert [m.left_on for m in crews.member_history(db_session, crew)] == [dt.date(2024, 6, 1)]
    with pytest.raises(Conflict):
        crews.rename_crew(db_session, boss, crew, "新名字")
    with pytest.raises(Conflict):
        add(db_session, boss, crew, 2)


def test_other_contractors_get_404_and_union_officers_403(f, db_session, crew):
    stranger = f.user("contractor", contractor=f.contractor("别家劳务"))
    with pytest.raises(NotFound):
        crews.get_crew(db_session, stranger, crew.id)
    with pytest.raises(NotFound):
        crews.rename_crew(db_session, stranger, crew, "抢来的班组")
    with pytest.raises(NotFound):
        crews.create_crew(db_session, stranger, crew.contractor, name="混进去")
    officer = f.user("officer")
    assert crews.get_crew(db_session, officer, crew.id) is crew
    with pytest.raises(PermissionDenied):
        crews.rename_crew(db_session, officer, crew, "改名")


def test_officers_see_a_crews_people_once_it_came_onto_their_site(f, db_session, boss, crew):
    union = f.started_union()
    officer = f.user("officer", unions=[union])
    staff_elsewhere = f.user("union_staff", jurisdiction=f.wendeng_town)
    assert not permissions.can_view_roster(db_session, officer, crew)
    site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=dt.date(2024, 3, 5))
    assert permissions.can_view_roster(db_session, officer, crew)
    assert permissions.can_view_roster(db_session, f.user("union_staff", jurisdiction=f.huancui), crew)
    assert not permissions.can_view_roster(db_session, staff_elsewhere, crew)
    assert not permissions.can_view_roster(db_session, f.user("officer", unions=[f.started_union()]), crew)


@pytest.mark.parametrize(("minimum", "accepted"), [(16, True), (18, False)])
def test_crews_follow_the_configured_minimum_age(app, monkeypatch, db_session, boss, crew, minimum, accepted):
    """A 17-year-old joins a crew where the city's minimum is 16, and not where it is 18."""
    monkeypatch.setitem(app.config, "MIN_MEMBER_AGE", minimum)
    joined_on = dt.date(2024, 3, 1)
    add = lambda: crews.add_member(  # noqa: E731
        db_session, boss, crew, id_number=id_number(seq=4, birth=dt.date(2006, 6, 1)), name="少年", joined_on=joined_on
    )
    if accepted:
        assert add().worker.name == "少年"
    else:
        with pytest.raises(ValidationError) as info:
            add()
        assert "18" in str(info.value.fields["id_number"])
