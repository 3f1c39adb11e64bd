"""The survey's totals (DESIGN.md's coverage table) on hand-built sites with known answers."""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion.dates import today
from projectunion.exceptions import Conflict, NotFound
from projectunion.models import Membership
from projectunion.reporting import coverage
from projectunion.reporting.coverage import Filter, coverage_report, coverage_totals
from projectunion.services import crews, site_entries, survey
from tests.factories import id_number

D = dt.date
START = D(2024, 3, 1)


@pytest.fixture
def company(f):
    return f.contractor("鲁东劳务")


@pytest.fixture
def boss(f, company):
    return f.user("contractor", contractor=company)


def make_crew(db_session, boss, name: str, people: list[str], joined_on: dt.date = START - dt.timedelta(days=51)):
    crew = crews.create_crew(db_session, boss, boss.contractor, name=name, created_on=D(2024, 1, 1))
    for i, person in enumerate(people):
        crews.add_member(
            db_session,
            boss,
            crew,
            id_number=id_number(seq=500 + hash((name, i)) % 400, birth=D(1975 + i, 2, 3)),
            name=person,
            trade="钢筋工",
            joined_on=joined_on,
        )
    return crew


def worker(db_session, crew, name):
    return next(m.worker for m in crews.current_members(db_session, crew) if m.worker.name == name)


def on_site(db_session, project, on):
    return coverage_totals(db_session, on, Filter(project_id=project.id))


@pytest.fixture
def site(f):
    """A project started on START, its union preparing."""
    project = f.project(registered_on=D(2024, 2, 1))
    f.fire(project, "start", on=START)
    return project


def test_a_worker_who_exits_a_site_stops_counting_there_the_day_after_the_exit(f, db_session, boss, site):
    crew = make_crew(db_session, boss, "钢筋一班", ["张三", "李四"])
    entry = site_entries.enter_site(db_session, boss, site, crew=crew, entered_on=D(2024, 3, 5))
    site_entries.exit_site(db_session, boss, entry, exited_on=D(2024, 4, 10))
    assert on_site(db_session, site, D(2024, 3, 4))["workers_on_site"] == 0
    assert on_site(db_session, site, D(2024, 3, 5))["workers_on_site"] == 2
    assert on_site(db_session, site, D(2024, 4, 10))["workers_on_site"] == 2  # the exit day still counts
    assert on_site(db_session, site, D(2024, 4, 11))["workers_on_site"] == 0


def test_a_worker_who_leaves_the_crew_stops_counting_the_day_after(f, db_session, boss, site):
    crew = make_crew(db_session, boss, "木工班", ["王五", "赵六"])
    site_entries.enter_site(db_session, boss, site, crew=crew, entered_on=D(2024, 3, 5))
    member = next(m for m in crews.current_members(db_session, crew) if m.worker.name == "王五")
    crews.remove_member(db_session, boss, member, left_on=D(2024, 5, 1))
    assert on_site(db_session, site, D(2024, 5, 1))["workers_on_site"] == 2
    assert on_site(db_session, site, D(2024, 5, 2))["workers_on_site"] == 1


def test_a_member_of_a_regional_union_on_a_site_counts_as_covered(f, db_session, boss, site):
    crew = make_crew(db_session, boss, "瓦工班", ["孙七", "周八"])
    site_entries.enter_site(db_session, boss, site, crew=crew, entered_on=D(2024, 3, 5))
    regional = f.regional_union()
    kept = worker(db_session, crew, "孙七")
    membership = Membership(
        worker_id=kept.id, union_id=regional.id, state="active", applied_on=D(2024, 3, 1), joined_on=D(2024, 3, 1),
        source="transfer", consent="transfer",
    )  # fmt: skip
    db_session.add(membership)
    db_session.commit()
    totals = on_site(db_session, site, D(2024, 3, 10))
    assert (totals["members_on_site"], totals["workers_on_site"]) == (1, 2)
    assert totals["membership_rate"] == pytest.approx(0.5)
    left = survey.not_enrolled(db_session, f.admin, site, D(2024, 3, 10))
    assert [r["name"] for r in left] == ["周八"]


def test_a_pending_application_is_not_coverage(f, db_session, boss, site):
    crew = make_crew(db_session, boss, "水电班", ["吴九"])
    site_entries.enter_site(db_session, boss, site, crew=crew, entered_on=D(2024, 3, 5))
    person = worker(db_session, crew, "吴九")
    db_session.add(
        Membership(
            worker_id=person.id, union_id=site.union.id, state="pending", applied_on=D(2024, 3, 6), source="application"
        )
    )
    db_session.commit()
    totals = on_site(db_session, site, D(2024, 3, 10))
    assert (totals["members_on_site"], totals["workers_on_site"]) == (0, 1)
    (row,) = survey.not_enrolled(db_session, f.admin, site, D(2024, 3, 10))
    assert row["pending"] is True
    assert survey.not_enrolled(db_session, f.admin, site, D(2024, 3, 5))[0]["pending"] is False  # not yet applied


def test_declined_workers_leave_the_worklist_but_stay_in_the_rate(f, app, db_session, boss, site):
    crew = make_crew(db_session, boss, "油漆班", ["郑十", "冯一"])
    site_entries.enter_site(db_session, boss, site, crew=crew, entered_on=D(2024, 3, 5))
    no = worker(db_session, crew, "郑十")
    survey.decline(db_session, f.admin, site, no.id, D(2024, 3, 20))
    app.config[coverage.DECLINED_DAYS_KEY] = 30
    names = [r["name"] for r in survey.not_enrolled(db_session, f.admin, site, D(2024, 3, 21))]
    assert names == ["冯一"]
    totals = on_site(db_session, site, D(2024, 3, 21))
    assert (totals["members_on_site"], totals["workers_on_site"]) == (0, 2)
    # back on the worklist when the declined period is over (30 days from the 20th: the 19th of April)
    assert "郑十" not in [r["name"] for r in survey.not_enrolled(db_session, f.admin, site, D(2024, 4, 18))]
    assert "郑十" in [r["name"] for r in survey.not_enrolled(db_session, f.admin, site, D(2024, 4, 19))]
    # and the declined date shows where the whole list is asked for
    (row,) = [
        r
        for r in survey.not_enrolled(db_session, f.admin, site, D(2024, 3, 21), hide_declined=False)
        if r["name"] == "郑十"
    ]
    assert row["declined_on"] == D(2024, 3, 20)


def test_a_site_founded_on_day_n_plus_1_is_on_the_worklist_on_day_n_and_not_after(f, app, db_session, site):
    app.config[coverage.GRACE_DAYS_KEY] = 30
    day_n = START + dt.timedelta(days=30)
    chair = f.enroll(site.union, on=START)
    f.fire(site.union, "found", on=day_n + dt.timedelta(days=1), chair_membership_id=chair.id)

    def listed(on):
        return site.id in [r["project_id"] for r in survey.sites_without_union(db_session, f.admin, None, on)]

    assert not listed(day_n - dt.timedelta(days=1))  # not yet 30 days since the start
    assert listed(day_n)
    assert not listed(day_n + dt.timedelta(days=1))
    row = next(r for r in survey.sites_without_union(db_session, f.admin, None, day_n) if r["project_id"] == site.id)
    assert row["days_since_start"] == 30


def test_coverage_on_a_past_date_ignores_later_entries_and_memberships(f, db_session, boss, site):
    early = make_crew(db_session, boss, "早班", ["陈一", "陈二"])
    late = make_crew(db_session, boss, "晚班", ["林一"])
    site_entries.enter_site(db_session, boss, site, crew=early, entered_on=D(2024, 3, 5))
    site_entries.enter_site(db_session, boss, site, crew=late, entered_on=D(2024, 6, 1))
    site_entries.enroll_from_crew(
        db_session, f.admin, site, early, worker_ids=[worker(db_session, early, "陈一").id], joined_on=D(2024, 7, 1)
    )
    past = on_site(db_session, site, D(2024, 5, 31))
    assert (past["members_on_site"], past["workers_on_site"]) == (0, 2)
    now = on_site(db_session, site, D(2024, 7, 1))
    assert (now["members_on_site"], now["workers_on_site"]) == (1, 3)


def test_founding_rate_counts_halted_sites_and_leaves_out_planned_ones(f, db_session):
    founded = f.active_union(on=START)  # started and founded on START
    halted = f.project()
    f.fire(halted, "start", on=START)
    f.fire(halted, "halt", on=D(2024, 4, 1))
    planned = f.project(registered_on=D(2024, 2, 1))
    later = f.project(registered_on=today())  # registered today: did not exist on the day asked for
    scope = Filter(f.yangting)
    totals = coverage_totals(db_session, D(2024, 5, 1), scope)
    ours = {founded.project.id, halted.id, planned.id}
    rows, _ = coverage.sites_list(db_session, D(2024, 5, 1), scope)
    assert {r["project_id"] for r in rows} & ours == {founded.project.id, halted.id}
    assert (totals["sites_under_construction"], totals["sites_founded"]) == (2, 1)
    assert totals["founding_rate"] == pytest.approx(0.5)
    rows, _ = coverage.sites_list(db_session, D(2024, 5, 1), scope, which="not_started")
    assert {r["project_id"] for r in rows} == {planned.id}
    assert later.id in {r["project_id"] for r in survey.sites_not_started(db_session, f.admin, f.yangting)}
    report = coverage_report(db_session, D(2024, 5, 1), Filter(project_id=founded.project.id), by="site")
    assert report.rows[0].values["founding_rate"] == 1
    report = coverage_report(db_session, D(2024, 5, 1), Filter(project_id=halted.id), by="site")
    assert report.rows[0].values["founding_rate"] == 0
    # before the start, neither was under construction
    assert coverage_totals(db_session, D(2024, 2, 1), Filter(project_id=halted.id))["founding_rate"] is None


def test_a_worker_on_two_sites_counts_on_each_and_once_in_the_total(f, db_session, boss, site):
    other = f.project(registered_on=D(2024, 2, 1))
    f.fire(other, "start", on=START)
    crew = make_crew(db_session, boss, "两地班", ["何一"])
    site_entries.enter_site(db_session, boss, site, crew=crew, entered_on=D(2024, 3, 5))
    site_entries.enter_site(db_session, boss, other, crew=crew, entered_on=D(2024, 3, 6))
    both = Filter(contractor_id=boss.contractor_id)
    report = coverage_report(db_session, D(2024, 3, 10), both, by="site")
    assert sorted(r.values["workers_on_site"] for r in report.rows) == [1, 1]
    assert report.total.values["workers_on_site"] == 1


def test_the_officer_enrolls_with_consent_and_marks_declined_only_for_their_own_site(f, db_session, boss, site):
    crew = make_crew(db_session, boss, "钢筋二班", ["黄一", "黄二"])
    site_entries.enter_site(db_session, boss, site, crew=crew, entered_on=D(2024, 3, 5))
    officer = f.user("officer", unions=[site.union], jurisdiction=f.huancui)
    stranger = f.user("officer", unions=[f.started_union()], jurisdiction=f.huancui)
    one, two = worker(db_session, crew, "黄一"), worker(db_session, crew, "黄二")
    membership = survey.enroll(db_session, officer, site, one.id, consent="paper")
    assert (membership.state, membership.consent, membership.union_id) == ("active", "paper", site.union.id)
    with pytest.raises(Conflict):
        survey.enroll(db_session, officer, site, one.id)  # already a member: not on the worklist any more
    with pytest.raises(NotFound):  # another site's officer does not even see this one
        survey.decline(db_session, stranger, site, two.id)
    survey.decline(db_session, officer, site, two.id)
    assert survey.not_enrolled(db_session, officer, site) == []
