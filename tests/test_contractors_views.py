"""Company, crew and site pages: what each user sees and may do, and nothing about other companies."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from projectunion.dates import today
from projectunion.models import Contractor, Crew, Membership, SiteEntry
from projectunion.services import crews, rosters, site_entries
from tests.factories import roster_csv, roster_person, uscc
from tests.views_support import field_errors, flashes, sign_in, text

ENTERED = dt.date(2024, 3, 5)


@pytest.fixture
def company(f):
    return f.contractor("威海建工")


@pytest.fixture
def crew(db_session, boss, company):
    crew = crews.create_crew(db_session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1), roster_person(2)]), dry_run=False)
    return crew


@pytest.fixture
def rival(f, db_session):
    other = f.contractor("别家劳务")
    user = f.user("contractor", contractor=other)
    crew = crews.create_crew(db_session, user, other, name="木工班", created_on=dt.date(2024, 1, 1))
    rosters.import_roster(db_session, user, crew, roster_csv([roster_person(7, "别家工人")]), dry_run=False)
    return user, other, crew


# --- scope -------------------------------------------------------------------------


def test_a_contractor_lands_on_its_own_company_with_its_crews(client, boss, company, crew):
    sign_in(client, boss)
    page = text(client.get("/contractors/", follow_redirects=True))
    assert company.name in page and "钢筋一班" in page
    assert "A roster records who works in a crew" in page


@pytest.mark.parametrize(
    "path",
    [
        "/contractors/{company}",
        "/contractors/{company}/edit",
        "/contractors/{company}/workers",
        "/contractors/{company}/crews/new",
        "/crews/{crew}",
        "/crews/{crew}/roster",
        "/crews/{crew}/roster.csv",
        "/crews/{crew}/roster.xlsx",
        "/crews/{crew}/enter",
    ],
)
def test_another_contractors_pages_do_not_exist_for_a_contractor(client, boss, rival, path):
    _user, other, other_crew = rival
    sign_in(client, boss)
    response = client.get(path.format(company=other.id, crew=other_crew.id))
    assert response.status_code == 404
    assert "别家" not in text(response)


@pytest.mark.parametrize(
    "path, data",
    [
        ("/contractors/{company}/edit", {"name": "抢", "uscc": "x", "kind": "general"}),
        ("/crews/{crew}/rename", {"name": "抢来的"}),
        ("/crews/{crew}/close", {"on": "2024-06-01"}),
        ("/crews/{crew}/roster/commit", {"content": "", "filename": ""}),
        ("/site-entries/{entry}/exit", {"on": "2024-06-01"}),
    ],
)
def test_another_contractor_cannot_change_anything(client, db_session, boss, rival, union, path, data):
    user, other, other_crew = rival
    entry = site_entries.enter_site(db_session, user, union.project, crew=other_crew, entered_on=ENTERED)
    sign_in(client, boss)
    response = client.post(path.format(company=other.id, crew=other_crew.id, entry=entry.id), data=data)
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(Crew, other_crew.id).name == "木工班"
    assert db_session.get(SiteEntry, entry.id).exited_on is None


def test_workers_union_status_lists_only_own_workers(client, f, boss, company, crew, rival, union):
    from tests.factories import id_number

    f.enroll(union, id_number=id_number(seq=1), name="工人1")
    f.enroll(union, id_number=id_number(seq=7), name="别家工人")
    sign_in(client, boss)
    page = text(client.get(f"/contractors/{company.id}/workers"))
    assert "工人1" in page and "工人2" in page
    assert "Member" in page and "Not a member" in page
    assert "别家工人" not in page


@pytest.mark.parametrize("role, status", [("officer", 403), ("union_staff", 403), ("city_staff", 200), ("admin", 200)])
def test_who_sees_a_companys_workers_union_status(client, f, company, crew, role, status):
    user = f.admin if role == "admin" else f.user(role, jurisdiction=f.huancui if role == "union_staff" else None)
    sign_in(client, user)
    assert client.get(f"/contractors/{company.id}/workers").status_code == status


@pytest.mark.parametrize(
    "role, company_page, edit_page",
    [("officer", 200, 403), ("union_staff", 200, 403), ("city_staff", 200, 403), ("admin", 200, 200)],
)
def test_union_side_reads_companies_and_only_admin_edits(client, f, company, role, company_page, edit_page):
    user = f.admin if role == "admin" else f.user(role, jurisdiction=f.huancui if role == "union_staff" else None)
    sign_in(client, user)
    assert client.get(f"/contractors/{company.id}").status_code == company_page
    assert client.get(f"/contractors/{company.id}/edit").status_code == edit_page


def test_signed_out_visitors_are_sent_to_sign_in(client, company):
    response = client.get(f"/contractors/{company.id}")
    assert response.status_code == 302 and "/sign-in" in response.location


# --- companies and crews -------------------------------------------------------------


def test_register_a_company_with_a_bad_code_keeps_what_was_typed(client, f, db_session):
    sign_in(client, f.user("officer"))
    response = client.post(
        "/contractors/new", data={"name": "威海劳务有限公司", "uscc": "91371000MA0000001", "kind": "labor_service"}
    )
    assert response.status_code == 200
    assert any("18 characters" in e for e in field_errors(response))
    assert 'value="威海劳务有限公司"' in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Contractor)) == 0
    response = client.post(
        "/contractors/new",
        data={"name": "威海劳务有限公司", "uscc": uscc(9101), "kind": "labor_service"},
        follow_redirects=True,
    )
    assert "Company registered." in flashes(response)
    assert uscc(9101) in text(response)


def test_a_contractor_edits_its_company(client, boss, company):
    sign_in(client, boss)
    response = client.post(
        f"/contractors/{company.id}/edit",
        data={"name": "威海建工集团", "uscc": company.uscc, "kind": "subcontractor"},
        follow_redirects=True,
    )
    assert "Company details saved." in flashes(response)
    assert "威海建工集团" in text(response) and "Subcontractor" in text(response)


def test_create_rename_lead_and_close_a_crew(client, db_session, boss, company):
    sign_in(client, boss)
    response = client.post(
        f"/contractors/{company.id}/crews/new",
        data={"name": "架子班", "created_on": "2024-01-02"},
        follow_redirects=True,
    )
    assert "Crew created. Next, import its roster." in flashes(response)
    crew = db_session.scalars(sa.select(Crew).where(Crew.name == "架子班")).one()
    duplicate = client.post(f"/contractors/{company.id}/crews/new", data={"name": "架子班"})
    assert any("already has a crew with this name" in e for e in field_errors(duplicate))
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(3)]), dry_run=False)
    member = crews.current_members(db_session, crew)[0]
    client.post(f"/crews/{crew.id}/rename", data={"name": "架子二班"})
    response = client.post(
        f"/crews/{crew.id}/leader", data={"leader_worker_id": str(member.worker_id)}, follow_redirects=True
    )
    assert "Crew leader saved." in flashes(response)
    assert "架子二班" in text(response)
    response = client.post(f"/crews/{crew.id}/close", data={"on": "2024-06-01"}, follow_redirects=True)
    assert "Crew closed; its members were recorded as having left." in flashes(response)
    page = text(response)
    assert "Closed" in page and "Former members" in page and "Import roster" not in page


def test_recording_a_member_leaving_keeps_the_period(client, db_session, boss, crew):
    sign_in(client, boss)
    member = crews.current_members(db_session, crew)[0]
    response = client.post(
        f"/crews/{crew.id}/members/{member.id}/leave", data={"on": "2024-05-01"}, follow_redirects=True
    )
    assert f"{member.worker.name} was recorded as having left the crew." in flashes(response)
    again = client.post(f"/crews/{crew.id}/members/{member.id}/leave", data={"on": "2024-06-01"}, follow_redirects=True)
    assert any("already left the crew" in m for m in flashes(again))
    db_session.expire_all()
    assert [m.left_on for m in crews.member_history(db_session, crew) if m.id == member.id] == [dt.date(2024, 5, 1)]


def test_officers_read_a_crew_on_their_site_but_cannot_change_it(client, db_session, boss, crew, union, officer):
    sign_in(client, officer)
    assert "工人1" not in text(client.get(f"/crews/{crew.id}"))
    site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    page = text(client.get(f"/crews/{crew.id}"))
    assert "工人1" in page and "Import roster" not in page and "Export CSV" not in page
    assert client.post(f"/crews/{crew.id}/rename", data={"name": "改名"}).status_code == 403
    assert client.get(f"/crews/{crew.id}/roster.csv").status_code == 403


# --- sites -------------------------------------------------------------------------


def test_a_contractor_sends_its_crew_onto_a_site_and_records_the_exit(client, db_session, boss, crew, union):
    sign_in(client, boss)
    form = client.get(f"/crews/{crew.id}/enter")
    assert union.project.name in text(form)
    response = client.post(
        f"/crews/{crew.id}/enter",
        data={"project_id": str(union.project.id), "worker_id": "0", "entered_on": ENTERED.isoformat()},
        follow_redirects=True,
    )
    assert f"Entry onto {union.project.name} recorded." in flashes(response)
    entry = db_session.scalars(sa.select(SiteEntry)).one()
    future = client.post(
        f"/site-entries/{entry.id}/exit",
        data={"on": (today() + dt.timedelta(days=2)).isoformat()},
        follow_redirects=True,
    )
    assert "The date cannot be in the future." in flashes(future)
    asked = client.post(f"/site-entries/{entry.id}/exit", data={"on": "2024-09-30"})
    assert asked.status_code == 200 and db_session.get(SiteEntry, entry.id).exited_on is None
    assert f"The crew {crew.name}, with its" in text(asked) and "leaves the site on Sep 30, 2024." in text(asked)
    response = client.post(
        f"/site-entries/{entry.id}/exit", data={"on": "2024-09-30", "confirmed": "1"}, follow_redirects=True
    )
    assert "Exit recorded." in flashes(response)
    assert db_session.get(SiteEntry, entry.id).exited_on == dt.date(2024, 9, 30)


def test_the_site_page_shows_a_contractor_only_its_own_crews(client, db_session, boss, crew, rival, union):
    user, _other, other_crew = rival
    site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    site_entries.enter_site(db_session, user, union.project, crew=other_crew, entered_on=ENTERED)
    sign_in(client, boss)
    page = text(client.get(f"/sites/{union.project.id}"))
    assert "钢筋一班" in page and "木工班" not in page and "Enroll from this crew" not in page
    assert (
        client.post(
            f"/sites/{union.project.id}", data={"crew_id": str(crew.id), "entered_on": "2024-03-06"}
        ).status_code
        == 403
    )


def test_an_officer_enrolls_from_a_crew_then_decides_after_the_exit(client, db_session, f, boss, crew, union, officer):
    sign_in(client, officer)
    response = client.post(
        f"/sites/{union.project.id}",
        data={"crew_id": str(crew.id), "entered_on": ENTERED.isoformat()},
        follow_redirects=True,
    )
    assert "Entry of 钢筋一班 recorded." in flashes(response)
    assert "Enroll from this crew" in text(response)
    enroll_page = client.get(f"/sites/{union.project.id}/crews/{crew.id}/enroll")
    assert "Not a member" in text(enroll_page)
    ids = [m.worker_id for m in crews.current_members(db_session, crew)]
    nobody = client.post(
        f"/sites/{union.project.id}/crews/{crew.id}/enroll", data={"consent": "paper", "joined_on": "2024-03-06"}
    )
    assert any("Tick the workers who agreed" in e for e in field_errors(nobody))
    response = client.post(
        f"/sites/{union.project.id}/crews/{crew.id}/enroll",
        data={"worker_id": [str(i) for i in ids], "consent": "paper", "joined_on": "2024-03-06"},
        follow_redirects=True,
    )
    assert f"2 workers enrolled in {union.name}." in flashes(response)
    entry = db_session.scalars(sa.select(SiteEntry)).one()
    response = client.post(f"/site-entries/{entry.id}/exit", data={"on": "2024-09-30", "confirmed": "1"})
    assert response.location.endswith(f"/site-entries/{entry.id}/decisions")
    page = client.get(response.location)
    assert "工人1" in text(page) and "工人2" in text(page)
    members = {m.worker.name: m.id for m in site_entries.affected_members(db_session, entry)}
    bad = client.post(
        f"/site-entries/{entry.id}/decisions",
        data={"on": "2024-09-30", f"action-{members['工人1']}": "transfer", f"to_union-{members['工人1']}": ""},
    )
    assert "Choose the union the member moves to." in text(bad)
    response = client.post(
        f"/site-entries/{entry.id}/decisions",
        data={
            "on": "2024-09-30",
            f"action-{members['工人1']}": "keep",
            f"action-{members['工人2']}": "end",
            f"reason-{members['工人2']}": "left_site",
        },
        follow_redirects=True,
    )
    assert "Decisions saved: 1 kept, 0 transferred, 1 ended." in flashes(response)
    assert "Decisions needed after an exit" not in text(response)
    states = dict(
        db_session.execute(sa.select(Membership.id, Membership.state).where(Membership.id.in_(members.values()))).all()
    )
    assert states == {members["工人1"]: "active", members["工人2"]: "ended"}


def test_a_contractor_cannot_reach_the_enrollment_or_decision_pages(client, db_session, boss, crew, union):
    entry = site_entries.enter_site(db_session, boss, union.project, crew=crew, entered_on=ENTERED)
    sign_in(client, boss)
    assert client.get(f"/sites/{union.project.id}/crews/{crew.id}/enroll").status_code in (403, 404)
    ids = [str(m.worker_id) for m in crews.current_members(db_session, crew)]
    response = client.post(
        f"/sites/{union.project.id}/crews/{crew.id}/enroll", data={"worker_id": ids, "consent": "paper"}
    )
    assert response.status_code in (403, 404)
    assert client.get(f"/site-entries/{entry.id}/decisions").status_code == 403
    assert (
        db_session.scalar(sa.select(sa.func.count()).select_from(Membership).where(Membership.crew_id == crew.id)) == 0
    )


def test_forms_refuse_a_missing_csrf_token(client, app, boss, company):
    sign_in(client, boss)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/contractors/{company.id}/crews/new", data={"name": "无令牌班"})
    assert response.status_code == 400


@pytest.mark.parametrize(("path", "current"), [("/contractors/", "Contractors"), ("/sites/", "Sites")])
def test_the_menu_marks_only_the_section_being_read(client, boss, company, path, current):
    sign_in(client, boss)
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    marked = re.findall(r'class="current" aria-current="page">([^<]+)</a>', page)
    assert marked == [current]


# --- the roster export: the company's own register, full numbers, audited ------------------


def test_the_roster_export_holds_only_the_crews_own_current_records_and_is_audited_each_time(
    client, f, db_session, boss, company, crew, union, rival
):
    import csv
    import io

    import openpyxl

    from projectunion.models import AuditEvent
    from tests.factories import ROSTER_HEADER, id_number

    number = id_number(seq=1, birth=dt.date(1985, 3, 4))  # 工人1, on the crew's roster with 13800000001
    f.enroll(union, id_number=number, name="工人1", phone="13900000111", trade="木工")  # entered by the union
    rival_user, _other, rival_crew = rival
    rosters.import_roster(
        db_session, rival_user, rival_crew, roster_csv([roster_person(1, phone="13700000001")]), dry_run=False
    )
    (left,) = [m for m in crews.current_members(db_session, crew) if m.worker.name == "工人2"]
    crews.remove_member(db_session, boss, left, left_on=dt.date(2024, 4, 1))
    other_crew = crews.create_crew(db_session, boss, company, name="木工二班", created_on=dt.date(2024, 1, 1))
    rosters.import_roster(db_session, boss, other_crew, roster_csv([roster_person(3)]), dry_run=False)

    (ours,) = [m for m in crews.current_members(db_session, crew) if m.worker.name == "工人1"]
    assert ours.worker.phone == "13900000111"  # the shared record now holds the union's phone
    assert "13700000001" in [m.phone for m in crews.current_members(db_session, rival_crew)]
    sign_in(client, boss)
    exported = client.get(f"/crews/{crew.id}/roster.csv")
    assert exported.status_code == 200 and exported.headers["Cache-Control"] == "no-store"
    body = exported.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    # the crew's own record: its phone and trade, not the union's; nobody who left, nobody of another crew
    assert rows == [ROSTER_HEADER, ["工人1", number + "\t", "13800000001\t", "钢筋工", "2024-03-01"]]
    for elsewhere in ("13900000111", "13700000001", "木工", "1985-03-04", union.name, "工人2", "工人3"):
        assert elsewhere not in body
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/crews/{crew.id}/roster.xlsx").data)).active
    assert [[c.value for c in row][:4] for row in sheet.iter_rows(min_row=2)] == [
        ["工人1", number, "13800000001", "钢筋工"]
    ]
    assert sheet.max_column == len(ROSTER_HEADER)

    audited = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "export_roster").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.object_type, e.object_id, e.data) for e in audited] == [
        (boss.id, "crews", crew.id, {"rows": 1, "format": "csv"}),
        (boss.id, "crews", crew.id, {"rows": 1, "format": "xlsx"}),
    ]
    assert all(number not in str(e.data) and "13800000001" not in str(e.data) for e in audited)
    # the pages the company reads keep the number masked
    assert number not in client.get(f"/crews/{crew.id}").get_data(as_text=True)
    assert number not in client.get(f"/contractors/{company.id}/workers").get_data(as_text=True)
    found = client.post("/workers/", data={"q": "工人1"}, follow_redirects=True)
    assert "工人1" in text(found) and number not in found.get_data(as_text=True)
    (worker_page,) = set(re.findall(r'href="(/workers/\d+)"', found.get_data(as_text=True)))
    assert number not in client.get(worker_page).get_data(as_text=True)


def test_another_companys_contractor_cannot_export_the_roster(client, db_session, crew, rival):
    from projectunion.models import AuditEvent

    rival_user, *_ = rival
    sign_in(client, rival_user)
    for kind in ("csv", "xlsx"):
        assert client.get(f"/crews/{crew.id}/roster.{kind}").status_code == 404
    assert not db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "export_roster", AuditEvent.object_id == crew.id)
    ).all()
