"""A person's data report answers an access request: every row held about them, for administrators
only, the ID number never on the command line, and every report audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from projectunion.models import AuditEvent
from projectunion.services import service_records, workers
from tests.factories import id_number
from tests.views_support import sign_in, text

NUMBER = id_number(seq=321, birth=dt.date(1982, 7, 9))


@pytest.fixture
def person(f, db_session, union):
    """A member with a phone, a service and a revealed number, and someone else beside them."""
    membership = f.enroll(union, id_number=NUMBER, name="赵六", phone="13700001111", trade="焊工")
    service_records.record_service(
        db_session, f.admin, union, kind="training", worker=membership.worker, served_on=dt.date(2024, 4, 1)
    )
    workers.reveal_id_number(db_session, f.admin, membership.worker, reason="访问请求")
    f.enroll(union, name="别人")
    return membership.worker


def _reports(session) -> list[AuditEvent]:
    return session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "data_report")).all()


def test_the_command_prints_every_row_about_the_person_read_from_stdin(runner, db_session, person, union):
    result = runner.invoke(args=["workers", "report", "--id-number", "-"], input=NUMBER + "\n")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)["sections"]
    assert report["worker"][0]["name"] == "赵六"
    assert report["worker"][0]["id_number"] == NUMBER
    assert report["worker"][0]["phone"] == "13700001111"
    assert [m["union_name"] for m in report["memberships"]] == [union.name]
    assert [h["event"] for h in report["membership_history"]][0] == "create"
    assert [(s["kind"], s["served_on"]) for s in report["service_records"]] == [("training", "2024-04-01")]
    assert any(e["action"] == "reveal_id_number" for e in report["audit_events"])
    assert "别人" not in result.output
    assert [(e.object_id, e.data["via"]) for e in _reports(db_session)] == [(person.id, "cli")]
    assert NUMBER not in json.dumps([e.data for e in _reports(db_session)])


def test_the_command_refuses_a_number_given_on_the_command_line(runner, person):
    result = runner.invoke(args=["workers", "report", "--id-number", NUMBER])
    assert result.exit_code == 2
    assert "Never put an ID number on the command line" in result.output
    assert "赵六" not in result.output


def test_an_unknown_number_is_answered_and_still_audited(runner, db_session, person):
    result = runner.invoke(args=["workers", "report"], input=id_number(seq=999) + "\n")
    assert result.exit_code == 1
    assert "Nobody with this ID number is held" in result.output
    assert [e.data["found"] for e in _reports(db_session)] == [False]


def test_administrators_see_the_report_page_and_download_it(client, f, db_session, person):
    sign_in(client, f.admin)
    assert client.get("/admin/data-report").status_code == 200
    page = client.post("/admin/data-report", data={"id_number": NUMBER})
    assert page.status_code == 200
    body = text(page)
    assert "赵六" in body and "Services (1)" in body and "别人" not in body
    download = client.post("/admin/data-report", data={"id_number": NUMBER, "format": "json"})
    assert download.mimetype == "application/json"
    assert download.get_json()["sections"]["worker"][0]["id_number"] == NUMBER
    assert [e.data["via"] for e in _reports(db_session)] == ["web", "web"]


@pytest.mark.parametrize("role", ["officer", "union_staff", "city_staff", "contractor"])
def test_no_one_but_an_administrator_gets_a_data_report(client, f, db_session, person, role):
    kwargs = {"contractor": f.contractor()} if role == "contractor" else {}
    if role in ("officer", "union_staff"):
        kwargs["jurisdiction"] = f.huancui
    sign_in(client, f.user(role, **kwargs))
    assert client.post("/admin/data-report", data={"id_number": NUMBER}).status_code == 403
    assert _reports(db_session) == []
