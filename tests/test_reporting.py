"""City totals on small hand-built histories whose right answers are known.

The histories are made through the real services (enrollment, transfer,
dissolution, wage cases, services), so the dates and states are the ones the
product writes; each expected number is worked out by hand in the test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask_babel import force_locale

from projectunion import reporting
from projectunion.exceptions import NotFound, PermissionDenied, ValidationError
from projectunion.services import memberships, service_records, wage_cases
from tests.factories import id_number

D = dt.date


@pytest.fixture(autouse=True)
def english(app):
    """Assert the source strings: outside a request the default locale (Chinese) would apply."""
    with force_locale("en"):
        yield


def period(start="2024-01-01", end="2024-12-31", as_of="2025-06-30"):
    return reporting.make_period(start, end, as_of)


def totals(session, p=None, scope=None):
    return reporting.totals(session, p or period(), scope).total.values


def row(report, key):
    return next(r for r in report.rows if r.key == key).values


@pytest.fixture
def worker_ids():
    """Distinct valid ID numbers for the people of one test."""
    return iter(id_number(seq=n, birth=D(1980 + n % 20, 1 + n % 12, 1 + n % 28)) for n in range(100, 999))


def test_a_transfer_is_not_a_new_member(f, db_session, worker_ids):
    first = f.started_union(on=D(2024, 3, 1))
    second = f.started_union(on=D(2024, 3, 1), town=f.wendeng_town)
    m = f.enroll(first, on=D(2024, 3, 2), id_number=next(worker_ids))
    memberships.transfer_membership(db_session, f.admin, m, second, on=D(2024, 6, 1))

    values = totals(db_session)
    assert values["new_members"] == 1  # one person joined, once
    assert values["developed_by_project_unions"] == 1
    by_district = reporting.report(db_session, period(), None, "district")
    assert row(by_district, "371002")["new_members"] == 1  # where the person first joined
    assert row(by_district, "371003")["new_members"] == 0  # the transfer brought no new member to 文登区
    wendeng = reporting.resolve_scope(db_session, None, "371003")
    assert totals(db_session, scope=wendeng)["new_members"] == 0
    assert totals(db_session, scope=wendeng)["active_members"] == 1


def test_first_membership_in_a_regional_union_is_new_but_not_developed_by_project_unions(f, db_session, worker_ids):
    regional = f.regional_union()
    project = f.started_union(on=D(2024, 3, 1))
    ids = [next(worker_ids) for _ in range(3)]
    f.enroll(regional, on=D(2024, 4, 1), id_number=ids[0])  # regional only
    f.enroll(project, on=D(2024, 4, 1), id_number=ids[1])  # project only
    m = f.enroll(regional, on=D(2024, 4, 1), id_number=ids[2])  # regional first, then a project union
    memberships.transfer_membership(db_session, f.admin, m, project, on=D(2024, 5, 1))

    values = totals(db_session)
    assert values["new_members"] == 3
    assert values["developed_by_project_unions"] == 1
    assert values["developed_by_project_unions_cumulative"] == 1
    assert values["new_members_cumulative"] == 3


def test_a_membership_ending_on_a_day_is_not_in_force_that_day(f, db_session, worker_ids):
    union = f.started_union(on=D(2024, 3, 1))
    m = f.enroll(union, on=D(2024, 3, 2), id_number=next(worker_ids))
    f.enroll(union, on=D(2024, 3, 2), id_number=next(worker_ids))
    memberships.end_membership(db_session, f.admin, m, "left_site", on=D(2024, 9, 30))

    assert totals(db_session, period(as_of="2024-09-29"))["active_members"] == 2
    assert totals(db_session, period(as_of="2024-09-30"))["active_members"] == 1
    assert totals(db_session, period(end="2024-09-30"))["active_members"] == 1
    # still a member during the period, and still a new member of 2024
    assert totals(db_session, period(as_of="2024-09-30"))["members_in_period"] == 2
    assert totals(db_session, period(as_of="2024-09-30"))["new_members"] == 2


def test_pending_and_rejected_applications_count_nowhere(f, db_session, worker_ids):
    union = f.started_union(on=D(2024, 3, 1))
    f.enroll(union, on=D(2024, 3, 2), id_number=next(worker_ids))
    pending = memberships.apply(db_session, union, id_number=next(worker_ids), name="张三")
    rejected = memberships.apply(db_session, union, id_number=next(worker_ids), name="李四")
    memberships.decide(db_session, f.admin, rejected, approve=False, reason="不在本工地")
    assert pending.state == "pending" and rejected.state == "rejected"

    this_year = reporting.make_period()  # the applications were made today
    values = totals(db_session, this_year)
    assert values["active_members"] == 1
    assert values["members_in_period"] == 1
    assert values["new_members"] == 0
    assert values["new_members_cumulative"] == 1
    for by in reporting.DIMENSIONS:
        rep = reporting.report(db_session, this_year, None, by, reporting.select_metrics(section="members"))
        in_rows = [r.values["members_in_period"] for r in rep.rows]
        if by in reporting.TIME_DIMENSIONS:
            assert max(in_rows) == 1, by  # the one member, month after month
        else:
            assert sum(in_rows) == 1, by
    listed = reporting.drill(db_session, this_year, None, "active_members")
    assert listed.count == 1


def test_a_worker_in_two_districts_counts_once_citywide_and_once_in_each(f, db_session, worker_ids):
    huancui = f.started_union(on=D(2024, 1, 10))
    wendeng = f.started_union(on=D(2024, 1, 10), town=f.wendeng_town)
    person = next(worker_ids)
    m = f.enroll(huancui, on=D(2024, 2, 1), id_number=person, name="王五")
    memberships.end_membership(db_session, f.admin, m, "left_site", on=D(2024, 5, 31))
    f.enroll(wendeng, on=D(2024, 8, 1), id_number=person, name="王五")  # a new enrollment months later, not a transfer
    f.enroll(wendeng, on=D(2024, 8, 1), id_number=next(worker_ids))

    rep = reporting.report(db_session, period(), None, "district")
    assert row(rep, "371002")["members_in_period"] == 1
    assert row(rep, "371003")["members_in_period"] == 2
    assert rep.total.values["members_in_period"] == 2  # not 3: the same person in two districts
    assert rep.total_rule(reporting.BY_NAME["members_in_period"]) == "distinct"
    # new member once, where they first joined
    assert row(rep, "371002")["new_members"] == 1
    assert row(rep, "371003")["new_members"] == 1
    assert rep.total.values["new_members"] == 2
    assert rep.total_rule(reporting.BY_NAME["new_members"]) == "sum"
    for scope_code, expected in (("371002", 1), ("371003", 2), ("371000", 2)):
        scope = reporting.resolve_scope(db_session, None, scope_code)
        assert totals(db_session, scope=scope)["members_in_period"] == expected


def test_totals_as_of_a_past_date_ignore_everything_after_it(f, db_session, worker_ids):
    contractor = f.contractor()
    union = f.started_union(on=D(2024, 2, 1), general_contractor_id=contractor.id)
    other = f.started_union(on=D(2024, 2, 1), town=f.wendeng_town)
    early = f.enroll(union, on=D(2024, 3, 1), id_number=next(worker_ids))
    f.fire(union, "found", on=D(2024, 3, 5), chair_membership_id=early.id)
    f.enroll(union, on=D(2024, 8, 1), id_number=next(worker_ids))  # joins after the as-of date
    memberships.transfer_membership(db_session, f.admin, early, other, on=D(2024, 9, 1))
    case = wage_cases.open_wage_case(
        db_session, f.admin, union, summary="拖欠工资", amount_claimed="9000", worker_ids=[early.worker_id],
        opened_on=D(2024, 4, 1),
    )  # fmt: skip
    f.fire(case, "mediate", on=D(2024, 4, 2))
    f.fire(case, "resolve", on=D(2024, 7, 15), amount_recovered="8000.50")
    service_records.record_service(
        db_session, f.admin, union, kind="training", worker=early.worker, served_on=D(2024, 7, 1)
    )

    on_june_30 = period(as_of="2024-06-30")
    values = totals(db_session, on_june_30)
    assert on_june_30.last == D(2024, 6, 30)
    assert values["active_members"] == 1
    assert values["new_members"] == 1
    assert values["unions_founded"] == 1
    assert values["unions_active"] == 1
    assert values["wage_cases_resolved"] == 0 and values["wages_recovered"] == Decimal("0.00")
    assert values["services.training.person_times"] == 0
    huancui = reporting.resolve_scope(db_session, None, "371002")
    assert totals(db_session, on_june_30, huancui)["active_members"] == 1  # the transfer had not happened

    later = totals(db_session)
    assert later["active_members"] == 2
    assert later["new_members"] == 2
    assert later["wage_cases_resolved"] == 1 and later["wages_recovered"] == Decimal("8000.50")
    assert later["workers_helped"] == 1
    assert later["services.training.person_times"] == 1
    by_contractor = reporting.report(db_session, period(), None, "contractor")
    assert row(by_contractor, str(contractor.id))["unions_founded"] == 1


def test_dissolved_unions_members_still_count_in_history(f, db_session, worker_ids):
    regional = f.regional_union()
    union = f.started_union(on=D(2024, 2, 1))
    chair = f.enroll(union, on=D(2024, 2, 2), id_number=next(worker_ids))
    f.enroll(union, on=D(2024, 2, 2), id_number=next(worker_ids))
    f.fire(union, "found", on=D(2024, 2, 3), chair_membership_id=chair.id)
    f.fire(union.project, "complete", on=D(2024, 10, 1))
    f.fire(union, "dissolve", on=D(2024, 10, 31), successor_union_id=regional.id)
    assert union.state == "dissolved"

    by_month = reporting.report(db_session, period(), None, "month")
    assert row(by_month, "2024-02")["unions_founded"] == 1
    assert row(by_month, "2024-10")["unions_active"] == 0  # dissolving from 1 October
    assert row(by_month, "2024-09")["unions_active"] == 1
    assert row(by_month, "2024-10")["unions_dissolved"] == 1
    assert row(by_month, "2024-09")["active_members"] == 2
    assert row(by_month, "2024-12")["active_members"] == 2  # handed on to the regional union
    values = totals(db_session)
    assert values["developed_by_project_unions"] == 2  # still developed through the project union
    assert values["developed_by_project_unions_cumulative"] == 2
    assert values["new_members"] == 2  # the hand-over is not a new membership
    listed = reporting.drill(db_session, period(as_of="2024-06-30"), None, "active_members")
    assert {r["union"] for r in listed.rows} == {union.name}


def test_money_is_exact_and_cases_count_by_the_day_they_were_resolved(f, db_session, worker_ids):
    union = f.started_union(on=D(2024, 2, 1))
    people = [f.enroll(union, on=D(2024, 2, 2), id_number=next(worker_ids)) for _ in range(3)]
    amounts = ["0.10", "0.20", "1234567.89"]
    for i, amount in enumerate(amounts):
        case = wage_cases.open_wage_case(
            db_session, f.admin, union, summary=f"案件{i}", amount_claimed="2000000",
            worker_ids=[people[i].worker_id, people[0].worker_id], opened_on=D(2024, 3, 1),
        )  # fmt: skip
        f.fire(case, "escalate", on=D(2024, 3, 2))
        f.fire(case, "resolve", on=D(2024, 12, 31) if i < 2 else D(2025, 1, 1), amount_recovered=amount)
    for amount in ("100.10", "0.20"):
        service_records.record_service(
            db_session, f.admin, union, kind="hardship_aid", worker=people[1].worker, served_on=D(2024, 5, 1),
            amount=amount,
        )  # fmt: skip

    values = totals(db_session)
    assert values["wage_cases_resolved"] == 2
    assert values["wages_recovered"] == Decimal("0.30")
    assert values["workers_helped"] == 2
    assert values["services.hardship_aid.person_times"] == 2
    assert values["services.hardship_aid.people"] == 1
    assert values["services.hardship_aid.amount"] == Decimal("100.30")
    listing = reporting.drill(db_session, period(), None, "wages_recovered")
    assert listing.count == 2 and listing.sum == Decimal("0.30")
    assert [r["amount"] for r in listing.rows] == [Decimal("0.10"), Decimal("0.20")]
    assert totals(db_session, period("2025-01-01", "2025-12-31", "2025-06-30"))["wages_recovered"] == Decimal(
        "1234567.89"
    )


def test_breakdowns_by_trade_origin_and_contractor(f, db_session):
    contractor = f.contractor()
    union = f.started_union(on=D(2024, 2, 1))
    f.enroll(union, on=D(2024, 3, 1), id_number=id_number("510104", seq=1), trade="木工", contractor_id=contractor.id)
    f.enroll(union, on=D(2024, 3, 1), id_number=id_number("510104", seq=2), trade="木工")
    f.enroll(union, on=D(2024, 3, 1), id_number=id_number("411502", seq=3))

    by_trade = reporting.report(db_session, period(), None, "trade")
    assert [(r.key, r.values["new_members"]) for r in by_trade.rows] == [("木工", 2), ("", 1)]
    assert str(by_trade.rows[-1].label) == "Trade not recorded"
    by_origin = reporting.report(db_session, period(), None, "origin")
    assert [(r.label, r.values["active_members"]) for r in by_origin.rows] == [("河南省", 1), ("四川省", 2)]
    assert by_origin.rows[0].values["unions_founded"] is None  # a union has no origin province
    by_contractor = reporting.report(db_session, period(), None, "contractor")
    assert [(r.label, r.values["new_members"]) for r in by_contractor.rows] == [
        (contractor.name, 1),
        ("No contractor recorded", 2),
    ]
    listing = reporting.drill(db_session, period(), None, "new_members", "trade", "木工")
    assert listing.count == 2 and {r["trade"] for r in listing.rows} == {"木工"}
    assert all("*" in r["id_masked"] for r in listing.rows)


def test_each_number_lists_exactly_the_people_or_unions_behind_it(f, db_session, worker_ids):
    union = f.started_union(on=D(2024, 2, 1))
    chair = f.enroll(union, on=D(2024, 2, 2), id_number=next(worker_ids))
    f.fire(union, "found", on=D(2024, 2, 3), chair_membership_id=chair.id)
    for _ in range(7):
        f.enroll(union, on=D(2024, 5, 2), id_number=next(worker_ids))

    listing = reporting.drill(db_session, period(), None, "new_members", page=2, per_page=3)
    assert (listing.count, listing.pages, len(listing.rows)) == (8, 3, 3)
    every = reporting.drill(db_session, period(), None, "new_members", per_page=100).rows
    assert len({r["name"] for r in every}) == 8
    may = reporting.drill(db_session, period(), None, "new_members", "month", "2024-05")
    assert may.count == 7
    unions = reporting.drill(db_session, period(), None, "unions_active")
    assert unions.count == 1 and unions.rows[0]["union"] == union.name
    with pytest.raises(NotFound):
        reporting.drill(db_session, period(), None, "new_members", "month", "2023-05")
    with pytest.raises(NotFound):
        reporting.drill(db_session, period(), None, "no_such_total")
    with pytest.raises(ValidationError):
        reporting.drill(db_session, period(), None, "unions_founded", "trade", "木工")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("2024-13-01", None, None), "from"),
        (("2024-06-01", "2024-05-31", None), "to"),
        (("2024-06-01", None, "2024-05-01"), "from"),
        ((None, None, "2999-01-01"), "as_of"),
    ],
)
def test_bad_periods_are_refused_with_a_message_on_the_field(app, args, field):
    with pytest.raises(ValidationError) as caught:
        reporting.make_period(*args)
    assert field in caught.value.fields


def test_a_monthly_breakdown_over_decades_is_refused(app):
    with pytest.raises(ValidationError) as caught:
        reporting.buckets(reporting.make_period("1990-01-01", "2024-12-31", "2025-01-01"), "month")
    assert "to" in caught.value.fields


def test_default_period_is_this_year_as_of_today(app):
    from projectunion.dates import today

    p = reporting.make_period()
    assert (p.start, p.end, p.as_of) == (D(today().year, 1, 1), D(today().year, 12, 31), today())
    assert p.last == today()


@pytest.mark.parametrize("role", ["officer", "contractor"])
def test_only_union_and_city_staff_see_totals(f, db_session, role):
    kwargs = {"contractor": f.contractor()} if role == "contractor" else {"jurisdiction": f.huancui}
    with pytest.raises(PermissionDenied):
        reporting.resolve_scope(db_session, f.user(role, **kwargs))


def test_district_staff_see_their_district_and_nothing_above_or_beside(f, db_session):
    staff = f.user("union_staff", jurisdiction=f.huancui)
    assert reporting.resolve_scope(db_session, staff) == f.huancui
    assert reporting.resolve_scope(db_session, staff, "371002005") == f.yangting
    for code in ("371000", "371003"):
        with pytest.raises(PermissionDenied):
            reporting.resolve_scope(db_session, staff, code)
    assert {j.code[:6] for j in reporting.scope_choices(db_session, staff)} == {"371002"}
    city_staff = f.user("city_staff")
    assert reporting.resolve_scope(db_session, city_staff).level == "city"
    with pytest.raises(ValidationError):
        reporting.resolve_scope(db_session, city_staff, "999999")
