"""The worker page: masked ID and what it encodes, the whole history across unions, revealing the ID."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion.models import AuditEvent
from tests.factories import id_number
from tests.views_support import field_errors, flashes, sign_in, text

NUMBER = id_number(region="411502", birth=dt.date(1978, 6, 15), seq=17)  # 17 is odd: male


@pytest.fixture
def history(f):
    """A worker enrolled in one project union, handed on to the regional union at its dissolution."""
    regional = f.regional_union(name="羊亭镇区域工会")
    union = f.started_union()
    first = f.enroll(union, name="张伟", id_number=NUMBER, phone="13812345678", trade="木工")
    f.fire(union, "found", on=dt.date(2024, 3, 3), chair_membership_id=first.id)
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    f.fire(union, "dissolve", on=dt.date(2024, 9, 30))
    return first.worker, union, regional


def test_worker_page_shows_the_masked_id_and_what_it_encodes(client, f, history):
    worker, union, regional = history
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui, can_reveal_id=True))
    response = client.get(f"/workers/{worker.id}")
    page = text(response)
    assert worker.id_masked in page and NUMBER not in response.get_data(as_text=True)
    assert "Jun 15, 1978" in page
    assert "Male" in page
    assert "河南省 浉河区" in page
    assert "13812345678" in page and "木工" in page


def test_without_the_reveal_right_the_page_shows_the_birth_year_and_province_only(client, f, history):
    worker, union, regional = history
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    page = text(client.get(f"/workers/{worker.id}"))
    assert "1978" in page and "Jun 15, 1978" not in page
    assert "河南省" in page and "浉河区" not in page


def test_worker_page_shows_every_membership_with_transfer_links(client, f, history, db_session):
    worker, union, regional = history
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    response = client.get(f"/workers/{worker.id}")
    page = text(response)
    body = response.get_data(as_text=True)
    old, new = f.memberships_of(worker)
    assert union.name in page and regional.name in page
    assert f'href="#membership-{new.id}">→ {regional.name}' in body
    assert f'href="#membership-{old.id}">← {union.name}' in body
    assert "Handed on at dissolution" not in page  # the link replaces the source
    assert "Project completed" in page and "Sep 30, 2024" in page


def test_reveal_the_full_id_number_is_audited(client, f, history, db_session):
    worker, union, regional = history
    staff = f.user("union_staff", jurisdiction=f.huancui, can_reveal_id=True)
    sign_in(client, staff)
    assert "Reveal the full ID number" in text(client.get(f"/workers/{worker.id}"))
    response = client.post(f"/workers/{worker.id}/reveal", data={"reason": "核对工资发放"})
    assert NUMBER in text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "The full ID number is shown below once. This was recorded in the audit log." in flashes(response)
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reveal_id_number"))
    assert event.actor_id == staff.id and event.object_id == worker.id and event.data["reason"] == "核对工资发放"
    # The next visit shows the masked number again.
    assert NUMBER not in client.get(f"/workers/{worker.id}").get_data(as_text=True)


def test_reveal_is_refused_without_the_permission(client, f, history, db_session):
    worker, *_ = history
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    assert "Reveal the full ID number" not in text(client.get(f"/workers/{worker.id}"))
    response = client.post(f"/workers/{worker.id}/reveal", data={"reason": ""})
    assert response.status_code == 403
    assert NUMBER not in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reveal_id_number")) is None


def test_edit_contact_details(client, f, history, db_session):
    worker, *_ = history
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    response = client.post(f"/workers/{worker.id}/contact", data={"phone": "12", "trade": "电工"})
    assert "Enter a mainland mobile number: 11 digits starting with 13 to 19." in field_errors(response)
    response = client.post(
        f"/workers/{worker.id}/contact", data={"phone": "+86 139-0000-1111", "trade": "电工"}, follow_redirects=True
    )
    assert "The contact details of 张伟 are saved." in flashes(response)
    db_session.refresh(worker)
    assert (worker.phone, worker.trade) == ("13900001111", "电工")


def test_worker_search(client, f, history):
    worker, union, regional = history
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))

    def found(q: str) -> bool:
        return "张伟" in text(client.post("/workers/", data={"q": q}, follow_redirects=True))

    assert found("张")
    assert found(NUMBER[-4:])
    assert found(NUMBER)  # the full number is looked up by its digest
    assert found("138 1234 5678")  # the whole phone, by its digest
    assert not found("1381234")  # phones are encrypted: no partial match
    assert not found("李")
    page = text(client.get("/workers/"))
    assert regional.name in page  # where the worker is active now


def test_worker_outside_scope_is_404(client, f, history):
    worker, *_ = history
    sign_in(client, f.user("union_staff", jurisdiction=f.place("371003")))
    assert client.get(f"/workers/{worker.id}").status_code == 404
    assert "张伟" not in text(client.post("/workers/", data={"q": "张"}, follow_redirects=True))
