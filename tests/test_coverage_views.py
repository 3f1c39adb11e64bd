"""The survey's pages: who sees which worklist, the officer's actions, the forms, the exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from projectunion.dates import today
from projectunion.models import Membership, SurveyDecline, Worker
from projectunion.services import crews, site_entries
from tests.factories import id_number
from tests.views_support import sign_in, text

D = dt.date


@pytest.fixture
def world(f, db_session):
    """A site in 羊亭镇 (环翠区) started 40 days ago without a founded union, its crew of three on site;
    a founded site in 文登区."""
    started = today() - dt.timedelta(days=40)
    project = f.project(registered_on=started - dt.timedelta(days=10), name="羊亭安置房")
    f.fire(project, "start", on=started)
    company = f.contractor("鲁东劳务")
    boss = f.user("contractor", contractor=company)
    crew = crews.create_crew(db_session, boss, company, name="钢筋一班", created_on=started)
    for i, name in enumerate(("张三", "李四", "王五")):
        crews.add_member(
            db_session,
            boss,
            crew,
            id_number=id_number("371002", seq=700 + i),
            name=name,
            trade="钢筋工",
            joined_on=started,
        )
    site_entries.enter_site(db_session, boss, project, crew=crew, entered_on=started + dt.timedelta(days=2))
    other = f.started_union(on=started, registered_on=started, town=f.wendeng_town)
    chair = f.enroll(other, on=started)
    f.fire(other, "found", on=started, chair_membership_id=chair.id)
    officer = f.user("officer", unions=[project.union], jurisdiction=f.huancui)
    return project, crew, officer, other


def worker_id(db_session, crew, name):
    return next(m.worker_id for m in crews.current_members(db_session, crew) if m.worker.name == name)


def test_town_staff_see_their_site_on_the_worklist_and_not_other_districts(client, f, world):
    project, _crew, _officer, other = world
    sign_in(client, f.user("union_staff", jurisdiction=f.yangting))
    page = client.get("/survey/")
    assert page.status_code == 200
    body = text(page)
    assert "羊亭安置房" in body and "40" in body
    assert other.project.name not in body
    assert client.get("/survey/?jurisdiction=371003").status_code == 403


@pytest.mark.parametrize("role", ["officer", "contractor"])
def test_officers_and_contractors_have_no_staff_worklist(client, f, world, role):
    kwargs = {"contractor": f.contractor()} if role == "contractor" else {}
    sign_in(client, f.user(role, **kwargs))
    assert client.get("/survey/").status_code == 403
    assert client.get("/survey/coverage").status_code == 403


def test_the_officer_enrolls_with_consent_and_marks_declined(client, f, db_session, world):
    project, crew, officer, _other = world
    sign_in(client, officer)
    page = client.get(f"/survey/sites/{project.id}")
    assert page.status_code == 200
    assert all(name in text(page) for name in ("张三", "李四", "王五"))
    zhang, li = worker_id(db_session, crew, "张三"), worker_id(db_session, crew, "李四")
    # without the consent ticked nothing is enrolled
    client.post(f"/survey/sites/{project.id}/enroll", data={"worker_id": zhang, "consent": "paper"})
    assert db_session.query(Membership).filter_by(worker_id=zhang).count() == 0
    client.post(f"/survey/sites/{project.id}/enroll", data={"worker_id": zhang, "consent": "paper", "confirmed": "y"})
    membership = db_session.query(Membership).filter_by(worker_id=zhang).one()
    assert (membership.state, membership.consent, membership.union_id) == ("active", "paper", project.union.id)
    client.post(f"/survey/sites/{project.id}/decline", data={"worker_id": li, "declined_on": today().isoformat()})
    assert db_session.query(SurveyDecline).filter_by(worker_id=li).count() == 1
    body = text(client.get(f"/survey/sites/{project.id}"))
    assert "33.3%" in body  # 1 member of 3 on site: the declined worker still counts
    table = body.split("Declined lately")[0]
    assert "王五" in table and "张三" not in table.split("Actions")[1] and "李四" not in table.split("Actions")[1]


def test_a_refused_enrollment_or_decline_on_the_site_page_says_why_once(client, f, db_session, world):
    project, crew, officer, _other = world
    sign_in(client, officer)
    zhang, li = worker_id(db_session, crew, "张三"), worker_id(db_session, crew, "李四")
    enroll = {"worker_id": zhang, "consent": "paper", "confirmed": "y"}
    client.post(f"/survey/sites/{project.id}/enroll", data=enroll)
    again = client.post(f"/survey/sites/{project.id}/enroll", data=enroll, follow_redirects=True)
    assert text(again).count("This worker is not on the site today, or is already a member.") == 1
    assert db_session.query(Membership).filter_by(worker_id=zhang).count() == 1
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    late = client.post(
        f"/survey/sites/{project.id}/decline", data={"worker_id": li, "declined_on": tomorrow}, follow_redirects=True
    )
    assert text(late).count("The date cannot be in the future.") == 1
    assert db_session.query(SurveyDecline).filter_by(worker_id=li).count() == 0


def test_registration_forms_show_the_masked_id_only(client, f, db_session, world):
    project, crew, officer, _other = world
    sign_in(client, officer)
    ids = [worker_id(db_session, crew, n) for n in ("张三", "李四")]
    page = client.get(f"/survey/sites/{project.id}/forms?worker={ids[0]}&worker={ids[1]}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert body.count('class="sheet"') == 2
    for worker in db_session.query(Worker).filter(Worker.id.in_(ids)):
        assert worker.id_masked in body and worker.name in body
    assert id_number("371002", seq=700) not in body  # never the full number
    assert "<svg" in body


def test_another_officer_cannot_see_or_act_on_the_site(client, f, db_session, world):
    project, crew, _officer, other = world
    sign_in(client, f.user("officer", unions=[other], jurisdiction=f.huancui))
    assert client.get(f"/survey/sites/{project.id}").status_code == 404
    zhang = worker_id(db_session, crew, "张三")
    assert client.post(f"/survey/sites/{project.id}/decline", data={"worker_id": zhang}).status_code == 404


def test_exports_of_the_lists(client, f, db_session, world):
    project, _crew, _officer, _other = world
    sign_in(client, f.user("city_staff"))
    response = client.get("/survey/sites-without_union.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert any("羊亭安置房" in row for row in rows)
    response = client.get(f"/survey/sites/{project.id}/workers.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 4 and all("*" in row[0] for row in values[1:])
    response = client.get("/survey/list.csv?metric=workers_not_members&by=town&key=371002005")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4
    response = client.get("/survey/coverage.xlsx?by=district")
    assert response.status_code == 200


def test_the_rates_page_breaks_down_and_drills_down(client, f, world):
    sign_in(client, f.user("city_staff"))
    page = client.get("/survey/coverage?by=town")
    assert page.status_code == 200
    assert "羊亭镇" in text(page)
    assert client.get("/survey/coverage?by=origin").status_code == 400
    listing = client.get("/survey/list?metric=sites_not_founded")
    assert "羊亭安置房" in text(listing)


def test_an_empty_survey_list_says_what_to_do_in_chinese(client, f, world):
    sign_in(client, f.user("city_staff"), locale="zh_Hans_CN")
    page = text(client.get("/survey/list?metric=sites_not_founded&jurisdiction=371003"))
    assert "羊亭安置房" not in page
    assert "所选区域在这一天没有符合条件的记录。可以在上方换一个区域或日期再看。" in page
    assert "没有人员" not in page


def test_district_staff_set_a_target_and_town_staff_cannot(client, f, world):
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    response = client.post("/survey/targets", data={"jurisdiction_code": "371002", "year": today().year, "target": 200})
    assert response.status_code == 302
    assert "200" in text(client.get("/survey/targets"))
    sign_in(client, f.user("union_staff", jurisdiction=f.yangting))
    response = client.post("/survey/targets", data={"jurisdiction_code": "371002", "year": today().year, "target": 5})
    assert response.status_code == 403


def test_the_dashboard_shows_both_rates_the_worst_sites_and_the_target(client, f, db_session, world):
    project, crew, officer, other = world
    staff = f.user("city_staff")
    sign_in(client, staff)
    body = text(client.get("/dashboard/"))
    assert "Founding rate" in body and "Membership rate" in body
    assert "50.0%" in body  # one of the two sites under construction has a founded union
    assert "羊亭安置房" in body.split("lowest membership rate")[1]
    sign_in(client, f.admin)
    client.post("/survey/targets", data={"jurisdiction_code": f.city.code, "year": today().year, "target": 10})
    sign_in(client, staff)
    page = client.get("/dashboard/")
    assert "Enrollment target" in text(page)
    assert "10.0%" in text(page).split("Enrollment target")[0][-40:]  # 1 new member (the other site's chair) of 10


def test_the_officer_sees_the_not_yet_members_on_the_union_page(client, f, world):
    project, _crew, officer, _other = world
    sign_in(client, officer)
    body = text(client.get(f"/unions/{project.union.id}"))
    assert "On the site, not yet members 3" in body
    assert "张三" in body
