"""Contract tests of contractors, crews, roster uploads and site entries through the API."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from projectunion.services import crews
from tests.api_support import error
from tests.factories import id_number, uscc
from tests.test_roster_hostile_files import xls_declared_dimension, xls_far_cell, xls_zeroed

DAY = dt.date(2024, 3, 1)
HEADER = ["姓名", "身份证号", "手机号", "工种", "进场日期"]


@pytest.fixture
def company(f):
    return f.contractor()


@pytest.fixture
def boss(f, company, as_user):
    """The company's own account."""
    return as_user(f.user("contractor", contractor=company))


@pytest.fixture
def crew(f, company, db_session):
    return crews.create_crew(db_session, f.admin, company, name="钢筋班", created_on=DAY)


def roster_csv(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(api, crew_id: int, data: bytes, dry_run: str | None = None, filename: str = "roster.csv"):
    form = {"file": (io.BytesIO(data), filename)}
    if dry_run is not None:
        form["dry_run"] = dry_run
    return api.client.post(
        f"/api/v1/crews/{crew_id}/roster", data=form, headers=api.headers(), content_type="multipart/form-data"
    )


# Contractors -----------------------------------------------------------------


def test_register_a_contractor(f, as_user):
    code = uscc(7001)
    staff = as_user(f.user("union_staff", jurisdiction=f.huancui))
    response = staff.post(
        "/contractors", json={"name": "威海劳务有限公司", "uscc": code.lower(), "kind": "labor_service"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["name"], body["uscc"], body["kind"]) == ("威海劳务有限公司", code, "labor_service")
    assert staff.get(f"/contractors/{body['id']}").get_json() == body
    twice = staff.post("/contractors", json={"name": "另一家", "uscc": code, "kind": "general"})
    assert error(twice)["fields"] == {"uscc": "A company with this code is already registered."}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"uscc": "123"}, "uscc"),
        ({"uscc": uscc(7002)[:-1] + "X"}, "uscc"),
        ({"kind": "state"}, "kind"),
        ({"name": ""}, "name"),
    ],
)
def test_register_a_contractor_refuses_bad_fields(admin, values, field):
    response = admin.post("/contractors", json={"name": "公司", "uscc": uscc(7003), "kind": "general", **values})
    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_contractor_scope(f, as_user, company, boss):
    other = f.contractor()
    assert boss.get(f"/contractors/{company.id}").status_code == 200
    assert boss.get(f"/contractors/{other.id}").status_code == 404
    assert boss.post("/contractors", json={"name": "新公司", "uscc": uscc(7004), "kind": "general"}).status_code == 403
    assert (
        as_user(f.user("city_staff"))
        .post("/contractors", json={"name": "新公司", "uscc": uscc(7005), "kind": "general"})
        .status_code
        == 403
    )
    assert boss.get("/contractors/999999").status_code == 404


# Crews -----------------------------------------------------------------------


def test_create_a_crew(f, boss, company, as_user):
    response = boss.post(f"/contractors/{company.id}/crews", json={"name": "木工班", "created_on": "2024-02-01"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["contractor_id"], body["name"], body["state"], body["members"]) == (company.id, "木工班", "open", 0)
    assert boss.get(f"/crews/{body['id']}").get_json() == body
    twice = boss.post(f"/contractors/{company.id}/crews", json={"name": "木工班"})
    assert error(twice)["fields"] == {"name": "This company already has a crew with this name."}
    assert error(boss.post(f"/contractors/{company.id}/crews", json={"name": "x", "created_on": "2999-01-01"}))[
        "fields"
    ] == {"created_on": "The date cannot be in the future."}
    other = f.contractor()
    assert boss.post(f"/contractors/{other.id}/crews", json={"name": "班"}).status_code == 404
    other_boss = as_user(f.user("contractor", contractor=other))
    assert other_boss.get(f"/crews/{body['id']}").status_code == 404
    staff = as_user(f.user("union_staff", jurisdiction=f.huancui))
    assert staff.post(f"/contractors/{company.id}/crews", json={"name": "班"}).status_code == 403


# Rosters ---------------------------------------------------------------------


def test_roster_preview_then_commit(boss, crew):
    rows = [
        ["张三", id_number(seq=501), "13800000501", "钢筋工", "2024-03-01"],
        ["李四", id_number(seq=502), "13800000502", "木工", "2024-03-01"],
        ["王五", "411502198503040011", "13800000503", "木工", "2024-03-01"],
    ]
    data = roster_csv(rows)
    preview = upload(boss, crew.id, data)
    assert preview.status_code == 200
    body = preview.get_json()
    assert (body["rows"], body["valid"], body["committed"], body["created"]) == (3, 2, False, 2)
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [(4, "id_number", "id_checksum")]
    assert boss.get(f"/crews/{crew.id}").get_json()["members"] == 0
    committed = upload(boss, crew.id, data, dry_run="false").get_json()
    assert (committed["committed"], committed["created"]) == (True, 2)
    assert boss.get(f"/crews/{crew.id}").get_json()["members"] == 2
    again = upload(boss, crew.id, data, dry_run="false").get_json()
    assert (again["created"], again["updated"], again["left"], again["unchanged"]) == (0, 0, 0, 2)


def test_roster_file_that_cannot_be_read(boss, crew):
    response = upload(boss, crew.id, b"")
    assert response.status_code == 400
    assert error(response)["rows"] == [
        {"row": 0, "column": "file", "code": "empty_file", "message": "The file is empty."}
    ]
    missing = upload(boss, crew.id, roster_csv([["张三", "13800000501"]], header=["姓名", "手机号"])).get_json()
    assert [e["code"] for e in missing["errors"]] == ["missing_column"]
    assert missing["valid"] == 0


@pytest.mark.parametrize(
    "make, code, message",
    [
        (xls_declared_dimension, "sheet_too_large", "The sheet uses cells beyond row 30,000 or column BZ (IV65536)."),
        (xls_far_cell, "sheet_too_large", "The sheet uses cells beyond row 30,000 or column BZ (IV65536)."),
        (xls_zeroed, "unreadable_file", "The file is not a readable spreadsheet (XLSX, XLS, ODS) or CSV text."),
    ],
    ids=["declared-dimension", "far-cell", "damaged"],
)
def test_a_hostile_or_damaged_old_xls_is_refused(boss, crew, make, code, message):
    response = upload(boss, crew.id, make(), dry_run="false", filename="roster.xls")
    assert response.status_code == 400
    [row] = error(response)["rows"]
    assert (row["row"], row["column"], row["code"]) == (0, "file", code)
    assert row["message"].startswith(message)
    assert boss.get(f"/crews/{crew.id}").get_json()["members"] == 0


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({}, "file"),
        ({"file": "not a file"}, "file"),
        ({"file": (io.BytesIO(b"name,id_number\n"), "r.csv"), "dry_run": "maybe"}, "dry_run"),
    ],
)
def test_roster_upload_refuses_a_bad_form(boss, crew, form, field):
    response = boss.client.post(
        f"/api/v1/crews/{crew.id}/roster", data=form, headers=boss.headers(), content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_roster_upload_sent_as_text_asks_for_a_file(boss, crew):
    response = boss.client.post(
        f"/api/v1/crews/{crew.id}/roster",
        data={"file": "姓名,身份证号"},
        headers=boss.headers(),
        content_type="multipart/form-data",
    )
    assert error(response)["fields"] == {"file": "Send a file."}


def test_roster_scope(f, as_user, crew):
    other_boss = as_user(f.user("contractor", contractor=f.contractor()))
    assert upload(other_boss, crew.id, roster_csv([])).status_code == 404
    city = as_user(f.user("city_staff"))
    assert upload(city, crew.id, roster_csv([])).status_code == 403


def test_roster_of_a_closed_crew_is_refused(f, boss, crew, db_session):
    crews.close_crew(db_session, f.admin, crew, on=DAY)
    response = upload(boss, crew.id, roster_csv([]))
    assert response.status_code == 409


# Site entries ----------------------------------------------------------------


def test_crew_enters_and_leaves_a_site(f, boss, crew, admin, as_user):
    project = f.project()
    response = boss.post(f"/projects/{project.id}/crews", json={"crew_id": crew.id, "entered_on": "2024-03-02"})
    assert response.status_code == 201
    entry = response.get_json()
    assert (entry["project_id"], entry["crew_id"], entry["worker_id"], entry["entered_on"], entry["exited_on"]) == (
        project.id,
        crew.id,
        None,
        "2024-03-02",
        None,
    )
    twice = boss.post(f"/projects/{project.id}/crews", json={"crew_id": crew.id, "entered_on": "2024-03-03"})
    assert (twice.status_code, error(twice)["code"]) == (409, "conflict")
    assert as_user(f.user("city_staff")).post(f"/site-entries/{entry['id']}/exit", json={}).status_code == 403
    refused = boss.post(f"/site-entries/{entry['id']}/exit", json={"exited_on": "2024-03-01"})
    assert error(refused)["fields"] == {"exited_on": "The exit cannot be before the entry (2024-03-02)."}
    left = boss.post(f"/site-entries/{entry['id']}/exit", json={"exited_on": "2024-05-01"}).get_json()
    assert left["exited_on"] == "2024-05-01"
    assert boss.post(f"/site-entries/{entry['id']}/exit", json={}).status_code == 409
    other_boss = as_user(f.user("contractor", contractor=f.contractor()))
    assert other_boss.post(f"/site-entries/{entry['id']}/exit", json={}).status_code == 404
    assert admin.post("/site-entries/999999/exit", json={}).status_code == 404


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"crew_id": 999999}, "crew_id"),
        ({"entered_on": "2999-01-01"}, "entered_on"),
        ({"entered_on": "2023-01-01"}, "entered_on"),
        ({"worker_id": 999999}, "worker_id"),
        ({"crew_id": None}, "crew_id"),
    ],
)
def test_site_entry_refuses_bad_fields(f, boss, crew, values, field):
    project = f.project()
    response = boss.post(f"/projects/{project.id}/crews", json={"crew_id": crew.id, **values})
    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_site_entry_scope(f, as_user, crew):
    project = f.project()
    other_crew = crews.create_crew(f.session, f.admin, f.contractor(), name="别家班", created_on=DAY)
    boss = as_user(f.user("contractor", contractor=crew.contractor))
    assert error(boss.post(f"/projects/{project.id}/crews", json={"crew_id": other_crew.id}))["fields"].keys() == {
        "crew_id"
    }
    city = as_user(f.user("city_staff"))
    assert city.post(f"/projects/{project.id}/crews", json={"crew_id": crew.id}).status_code == 403
    outsider = as_user(f.user("union_staff", jurisdiction=f.place("371003")))
    assert outsider.post(f"/projects/{project.id}/crews", json={"crew_id": crew.id}).status_code == 404
    f.fire(project, "cancel")
    assert boss.post(f"/projects/{project.id}/crews", json={"crew_id": crew.id}).status_code == 404
    closed = as_user(f.admin).post(f"/projects/{project.id}/crews", json={"crew_id": crew.id})
    assert (closed.status_code, error(closed)["code"]) == (409, "conflict")
