"""Site entry and exit (进场/退场), the officer's decisions after an exit, and enrolling a crew."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion.dates import today
from projectunion.exceptions import AlreadyMember, Conflict, NotFound, PermissionDenied, ValidationError
from projectunion.models import Membership
from projectunion.services import crews, memberships, rosters, site_entries
from tests.factories import id_number, roster_csv, roster_person

ENTERED = dt.date(2024, 3, 5)


@pytest.fixture
def crew(db_session, boss, company):
    crew = crews.create_crew(db_session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
    rosters.import_roster(
        db_session, boss, crew, roster_csv([roster_person(1), roster_person(2), roster_person(3)]), dry_run=False
    )
    return crew


def worker_of(session, crew, name):
    return next(m.worker for m in crews.current_members(session, crew) if m.worker.name == name)


def state_of(session, membership_id):
    return session.get(Membership, membership_id).state


# --- entry and exit --------------------------------------------------------------


def test_a_contractor_sends_its_crew_onto_a_site_and_sees_only_its_own_entries(f, db_session, boss, crew, union):
    other = f.user("contractor", contractor=f.contractor("别家劳务"))
    other_crew = crews.create_crew(db_session, other, other.contractor, name="木工班", created_on=dt.date(2024, 1, 1))
    entry = site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    site_entries.enter_site(db_session, other, union.project, crew=other_crew, entered_on=ENTERED)
    assert site_entries.entries_for_project(db_session, boss, union.project) == [entry]
    assert len(site_entries.entries_for_project(db_session, f.admin, union.project)) == 2
    assert union.project in site_entries.sites_open_for_entry(db_session, boss)


def test_entry_rules(f, db_session, boss, crew, union):
    with pytest.raises(ValidationError):
        site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=dt.date(2023, 12, 1))
    site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    with pytest.raises(Conflict):
        site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    planned_only = f.project()
    f.fire(planned_only, "cancel", on=dt.date(2024, 2, 1))
    with pytest.raises(Conflict):
        site_entries.enter_site(db_session, boss, planned_only, crew=crew, entered_on=ENTERED)


def test_a_single_worker_enters_and_must_belong_to_the_crew(f, db_session, boss, crew, union):
    alone = worker_of(db_session, crew, "工人1")
    entry = site_entries.enter_site(db_session, boss, union.project, crew=crew, worker=alone, entered_on=ENTERED)
    assert (entry.crew_id, entry.worker_id) == (crew.id, alone.id)
    with pytest.raises(Conflict):
        site_entries.enter_site(db_session, boss, union.project, crew=crew, worker=alone, entered_on=ENTERED)
    outsider = f.enroll(union).worker
    with pytest.raises(ValidationError):
        site_entries.enter_site(db_session, boss, union.project, crew=crew, worker=outsider, entered_on=ENTERED)


def test_other_contractors_cannot_move_someone_elses_crew(f, db_session, crew, union):
    stranger = f.user("contractor", contractor=f.contractor("别家劳务"))
    with pytest.raises(NotFound):
        site_entries.enter_site(db_session, stranger, union.project, crew=crew, entered_on=ENTERED)
    entry = site_entries.enter_site(db_session, f.admin, union.project, crew=crew, entered_on=ENTERED)
    with pytest.raises(NotFound):
        site_entries.exit_site(db_session, stranger, entry)
    with pytest.raises(NotFound):
        site_entries.get_entry(db_session, stranger, entry.id)
    foreign_officer = f.user("officer", unions=[f.started_union()])
    with pytest.raises(PermissionDenied):
        site_entries.enter_site(db_session, foreign_officer, union.project, crew=crew, entered_on=ENTERED)


def test_exit_dates_are_checked_and_recorded_once(db_session, boss, crew, union):
    entry = site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    with pytest.raises(ValidationError):
        site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 3, 1))
    site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 9, 30))
    with pytest.raises(Conflict):
        site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 10, 1))


# --- decisions after an exit -----------------------------------------------------


def _enrolled_crew_on_site(db_session, officer, boss, crew, union):
    entry = site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    ids = [m.worker_id for m in crews.current_members(db_session, crew)]
    enrolled = site_entries.enroll_from_crew(
        db_session, officer, union.project, crew, worker_ids=ids, joined_on=dt.date(2024, 3, 6)
    )
    return entry, {m.worker.name: m.id for m in enrolled}


def test_an_exit_asks_the_officer_to_decide_each_members_membership(f, db_session, boss, crew, union, officer):
    entry, ids = _enrolled_crew_on_site(db_session, officer, boss, crew, union)
    assert site_entries.pending_exit_decisions(db_session, officer, union) == []
    site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 9, 30))
    [pending] = site_entries.pending_exit_decisions(db_session, officer, union)
    assert pending.entry.id == entry.id
    assert [m.worker.name for m in pending.members] == ["工人1", "工人2", "工人3"]
    regional = f.regional_union()
    counts = site_entries.decide_after_exit(
        db_session,
        officer,
        entry,
        {
            ids["工人1"]: {"action": "keep"},
            ids["工人2"]: {"action": "transfer", "to_union_id": regional.id},
            ids["工人3"]: {"action": "end", "reason": "left_site"},
        },
        on=dt.date(2024, 9, 30),
    )
    assert counts == {"keep": 1, "transfer": 1, "end": 1}
    assert [state_of(db_session, ids[n]) for n in ("工人1", "工人2", "工人3")] == ["active", "transferred", "ended"]
    moved = db_session.scalars(sa.select(Membership).where(Membership.transferred_from_id == ids["工人2"])).one()
    assert (moved.union_id, moved.state) == (regional.id, "active")
    assert site_entries.pending_exit_decisions(db_session, officer, union) == []


def test_one_bad_decision_changes_nothing(f, db_session, boss, crew, union, officer):
    entry, ids = _enrolled_crew_on_site(db_session, officer, boss, crew, union)
    site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 9, 30))
    with pytest.raises(ValidationError):
        site_entries.decide_after_exit(
            db_session,
            officer,
            entry,
            {
                ids["工人1"]: {"action": "end", "reason": "left_site"},
                ids["工人2"]: {"action": "end", "reason": "bored"},
            },
        )
    with pytest.raises(ValidationError):
        site_entries.decide_after_exit(
            db_session, officer, entry, {ids["工人1"]: {"action": "end"}, ids["工人2"]: {"action": "transfer"}}
        )
    assert {state_of(db_session, i) for i in ids.values()} == {"active"}


def test_workers_still_on_the_site_with_another_crew_are_not_asked_about(f, db_session, boss, crew, union, officer):
    entry, ids = _enrolled_crew_on_site(db_session, officer, boss, crew, union)
    second = crews.create_crew(db_session, boss, crew.contractor, name="收尾班", created_on=dt.date(2024, 1, 1))
    rosters.import_roster(db_session, boss, second, roster_csv([roster_person(1)]), dry_run=False)
    site_entries.enter_site(db_session, boss, union.project, crew=second, entered_on=dt.date(2024, 9, 1))
    site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 9, 30))
    [pending] = site_entries.pending_exit_decisions(db_session, officer, union)
    assert [m.worker.name for m in pending.members] == ["工人2", "工人3"]


def test_only_the_unions_officers_decide(f, db_session, boss, crew, union, officer):
    entry, ids = _enrolled_crew_on_site(db_session, officer, boss, crew, union)
    site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 9, 30))
    with pytest.raises(PermissionDenied):
        site_entries.decide_after_exit(db_session, boss, entry, {ids["工人1"]: {"action": "end"}})
    assert state_of(db_session, ids["工人1"]) == "active"


# --- enrolling from a crew ---------------------------------------------------------


def test_enroll_those_who_agreed_and_list_who_is_active_elsewhere(f, db_session, boss, crew, union, officer):
    elsewhere = f.active_union(members=1)
    f.enroll(elsewhere, id_number=id_number(seq=2), name="工人2")
    memberships.apply(db_session, union, id_number=id_number(seq=3), name="工人3")
    site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    candidates = site_entries.enrollment_candidates(db_session, officer, union.project, crew)
    assert [(c.worker.name, c.status, c.elsewhere) for c in candidates] == [
        ("工人1", "none", None),
        ("工人2", "active_elsewhere", elsewhere.name),
        ("工人3", "applied_here", None),
    ]
    w1, w2, w3 = (c.worker.id for c in candidates)
    with pytest.raises(ValidationError) as info:
        site_entries.enroll_from_crew(db_session, officer, union.project, crew, worker_ids=[w1, w2, w3])
    assert elsewhere.name in str(info.value.fields[f"worker-{w2}"])
    assert db_session.scalar(sa.select(sa.func.count()).where(Membership.union_id == union.id)) == 2
    enrolled = site_entries.enroll_from_crew(
        db_session,
        officer,
        union.project,
        crew,
        worker_ids=[w1, w2, w3],
        transfer_ids=[w2],
        joined_on=today(),  # 工人3 applied today: nobody joins before applying
    )
    assert [(m.worker.name, m.state, m.consent) for m in enrolled] == [
        ("工人1", "active", "paper"),
        ("工人2", "active", "paper"),
        ("工人3", "active", "qr"),
    ]
    assert enrolled[0].crew_id == crew.id and enrolled[0].contractor_id == crew.contractor_id
    assert enrolled[1].transferred_from.union_id == elsewhere.id
    assert {c.status for c in site_entries.enrollment_candidates(db_session, officer, union.project, crew)} == {
        "member_here"
    }
    with pytest.raises(ValidationError):
        site_entries.enroll_from_crew(db_session, officer, union.project, crew, worker_ids=[w1])


def test_a_contractor_can_never_make_anyone_a_member(f, db_session, boss, crew, union):
    site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    ids = [m.worker_id for m in crews.current_members(db_session, crew)]
    with pytest.raises((PermissionDenied, NotFound)):
        site_entries.enroll_from_crew(db_session, boss, union.project, crew, worker_ids=ids)
    with pytest.raises((PermissionDenied, NotFound)):
        memberships.enroll(db_session, boss, union, id_number=id_number(seq=1), name="工人1")
    assert db_session.scalar(sa.select(sa.func.count()).where(Membership.worker_id.in_(ids))) == 0


def test_a_crew_not_on_the_site_cannot_be_enrolled_from(f, db_session, boss, crew, union, officer):
    with pytest.raises(Conflict):
        site_entries.enrollment_candidates(db_session, officer, union.project, crew)


def test_already_active_here_is_refused_by_the_database_rule_too(f, db_session, boss, crew, union, officer):
    site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    w1 = worker_of(db_session, crew, "工人1")
    site_entries.enroll_from_crew(db_session, officer, union.project, crew, worker_ids=[w1.id], joined_on=ENTERED)
    with pytest.raises(AlreadyMember):
        memberships.enroll(db_session, officer, union, id_number=id_number(seq=1), name="工人1")


def test_the_officers_home_lists_exits_still_waiting_for_a_decision(client, db_session, boss, crew, union, officer):
    from tests.views_support import sign_in

    entry, ids = _enrolled_crew_on_site(db_session, officer, boss, crew, union)
    sign_in(client, officer)
    assert "after a site exit" not in client.get("/").get_data(as_text=True)
    site_entries.exit_site(db_session, boss, entry, exited_on=dt.date(2024, 9, 30))
    page = client.get("/").get_data(as_text=True)
    assert "Members to decide about after a site exit" in page
    assert f"/site-entries/{entry.id}/decisions" in page
    site_entries.decide_after_exit(
        db_session, officer, entry, {i: {"action": "keep"} for i in ids.values()}, on=dt.date(2024, 9, 30)
    )
    assert "after a site exit" not in client.get("/").get_data(as_text=True)


SITE_ROLES = ("officer", "union_staff", "city_staff", "admin", "contractor")


@pytest.mark.parametrize("role", SITE_ROLES)
def test_who_may_send_crews_onto_a_site_and_see_it(f, db_session, company, union, role):
    """A company sends its crews onto any open site; the union side only where it manages the
    project (city staff read, never send); a site outside one's scope stays private."""
    elsewhere = f.project(town=f.wendeng_town)  # planned, in another district, nobody's project
    users = {
        "officer": f.user("officer", unions=[union], jurisdiction=f.huancui),
        "union_staff": f.user("union_staff", jurisdiction=f.huancui),
        "city_staff": f.user("city_staff"),
        "admin": f.admin,
        "contractor": f.user("contractor", contractor=company),
    }
    user = users[role]
    offered = {p.id for p in site_entries.sites_open_for_entry(db_session, user)}
    assert (union.project_id in offered) == (role != "city_staff")
    assert (elsewhere.id in offered) == (role in ("admin", "contractor"))
    visible = role in ("admin", "city_staff", "contractor")
    if visible:
        assert site_entries.get_project(db_session, user, elsewhere.id) == elsewhere
    else:
        with pytest.raises(NotFound):
            site_entries.get_project(db_session, user, elsewhere.id)
