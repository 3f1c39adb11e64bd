"""Joining by QR code: signed links (rotation, expiry), the phone form, idempotent applications,
receipts, the rate limit, member numbers and the live card check."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import create_app, db
from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.models import Membership
from projectunion.services import crews, join, memberships, site_entries
from tests.conftest import TEST_CONFIG
from tests.factories import id_number
from tests.views_support import sign_in, text


@pytest.fixture(autouse=True)
def english(client):
    """The worker reads English here, so the tests can assert the source strings."""
    with client.session_transaction() as session:
        session["locale"] = "en"


def applicant(n: int = 11, **overrides) -> dict:
    data = {
        "name": f"申请人{n}",
        "id_number": id_number(seq=n),
        "phone": "138 0000 0011",
        "trade": "木工",
        "consent": "y",
    }
    data.update(overrides)
    return data


def pending(session, union) -> list[Membership]:
    return list(
        session.scalars(sa.select(Membership).where(Membership.union_id == union.id, Membership.state == "pending"))
    )


# --- links --------------------------------------------------------------------------


def test_the_link_opens_the_form_with_the_unions_name_and_the_notice(client, union):
    page = text(client.get(f"/join/{join.join_token(union)}"))
    assert f"Join {union.name}" in page
    assert "Notice on the processing of personal information" in page
    assert "Your employer can see whether you are a union member, but not your application." in page


def test_rotating_the_link_invalidates_every_old_qr_code(client, db_session, union, officer):
    old = join.join_token(union)
    sign_in(client, officer)
    response = client.post(f"/join/unions/{union.id}/rotate", follow_redirects=True)
    assert "QR codes printed before no longer work" in text(response)
    stale = client.get(f"/join/{old}")
    assert stale.status_code == 404
    assert "This join link is no longer valid" in text(stale)
    assert client.post(f"/join/{old}", data=applicant()).status_code == 404
    assert pending(db_session, union) == []
    assert client.get(f"/join/{join.join_token(union)}").status_code == 200


def test_an_expired_link_says_since_when(client, db_session, union, officer):
    token = join.join_token(union)
    join.set_join_link_expiry(db_session, officer, union, today())
    assert client.get(f"/join/{token}").status_code == 200
    union.join_token_expires_on = today() - dt.timedelta(days=1)
    db_session.commit()
    response = client.get(f"/join/{token}")
    assert response.status_code == 404
    assert "expired on" in text(response)
    with pytest.raises(ValidationError):
        join.set_join_link_expiry(db_session, officer, union, today() - dt.timedelta(days=2))


def test_the_expiry_form(client, db_session, union, officer):
    sign_in(client, officer)
    client.post(f"/join/unions/{union.id}/expiry", data={"expires_on": (today() + dt.timedelta(days=30)).isoformat()})
    assert union.join_token_expires_on == today() + dt.timedelta(days=30)
    client.post(f"/join/unions/{union.id}/expiry", data={"expires_on": ""})
    assert union.join_token_expires_on is None


@pytest.mark.parametrize("token", ["garbage", "WzEsMV0.forged-signature"])
def test_a_damaged_or_forged_link_is_not_valid(client, token):
    assert client.get(f"/join/{token}").status_code == 404


def test_a_union_that_no_longer_takes_members_has_no_working_link(client, f, union):
    token = join.join_token(union)
    f.fire(union.project, "halt", on=dt.date(2024, 6, 1))
    response = client.get(f"/join/{token}")
    assert response.status_code == 404 and "does not take new members now" in text(response)


# --- the form -----------------------------------------------------------------------


def test_invalid_input_is_explained_on_the_same_form_with_what_was_typed(client, db_session, union):
    url = f"/join/{join.join_token(union)}"
    response = client.post(url, data=applicant(id_number="41150219850304001", phone="12345", consent=""))
    assert response.status_code == 200
    page = text(response)
    assert "An ID number has 18 characters" in page
    assert "Enter a mainland mobile number" in page
    assert "Tick the box to agree" in page
    body = response.get_data(as_text=True)
    assert 'value="申请人11"' in body and 'value="41150219850304001"' in body and 'value="木工"' in body
    assert pending(db_session, union) == []


def test_consent_is_required(client, db_session, union):
    response = client.post(f"/join/{join.join_token(union)}", data=applicant(consent=""))
    assert "Tick the box to agree to the processing of your personal information." in text(response)
    assert pending(db_session, union) == []


def test_applying_creates_one_pending_application_and_applying_again_returns_it(client, db_session, union):
    url = f"/join/{join.join_token(union)}"
    first = client.post(url, data=applicant())
    assert first.status_code == 302
    code = re.search(r"code=([0-9A-F]{8})", first.location).group(1)
    receipt = text(client.get(first.location))
    assert "Application received" in receipt and code in receipt and "申" not in receipt
    assert "Received, waiting for the union's approval" in receipt
    again = client.post(url, data=applicant())
    assert re.search(r"code=([0-9A-F]{8})", again.location).group(1) == code
    [application] = pending(db_session, union)
    assert (application.source, application.consent, application.receipt_code) == ("application", "qr", code)
    assert (application.applicant_name, join.applicant_phone(application)) == ("申请人11", "13800000011")
    assert application.consent_notice == join.NOTICE_VERSION and application.consented_at is not None


def test_the_worker_chooses_a_crew_from_the_sites_list(client, db_session, f, union):
    company = f.contractor()
    boss = f.user("contractor", contractor=company)
    on_site = crews.create_crew(db_session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
    elsewhere = crews.create_crew(db_session, boss, company, name="不在场班", created_on=dt.date(2024, 1, 1))
    site_entries.enter_site(db_session, boss, union.project, crew=on_site, entered_on=dt.date(2024, 3, 5))
    url = f"/join/{join.join_token(union)}"
    form = text(client.get(url))
    assert f"{company.name} · 钢筋一班" in form and "不在场班" not in form
    refused = client.post(url, data=applicant(crew_id=str(elsewhere.id)))
    assert "Choose your crew from the list." in text(refused)
    client.post(url, data=applicant(crew_id=str(on_site.id)))
    [application] = pending(db_session, union)
    assert (application.crew_id, application.contractor_id) == (on_site.id, company.id)


def test_a_member_elsewhere_is_not_told_but_the_application_asks_for_a_transfer(client, db_session, f, union):
    other = f.active_union(members=1)
    f.enroll(other, id_number=id_number(seq=11), name="申请人11")
    response = client.post(f"/join/{join.join_token(union)}", data=applicant(), follow_redirects=True)
    assert "Application received" in text(response) and other.name not in text(response)
    [application] = pending(db_session, union)
    assert application.wants_transfer


def test_a_member_of_this_union_gets_the_same_answer_as_anyone(client, db_session, f, union):
    f.enroll(union, id_number=id_number(seq=11), name="申请人11")
    response = client.post(f"/join/{join.join_token(union)}", data=applicant())
    assert response.status_code == 302 and "received=1" in response.location
    assert "already a member" not in text(client.get(response.location))


def test_the_receipt_code_shows_the_status_after_the_officer_decides(client, db_session, union, officer):
    submitted = join.submit_application(db_session, union, name="申请人12", id_number=id_number(seq=12), consent=True)
    code = submitted.membership.receipt_code
    memberships.decide(db_session, officer, submitted.membership, approve=True, on=today())
    page = text(client.get(f"/join/status?code={code.lower()}"))
    assert "Approved: you are a member" in page and join.member_number(submitted.membership) in page
    assert "Show my member card" in page
    missing = client.get("/join/status?code=ZZZZ0000")
    assert missing.status_code == 404 and "No application matches what you entered" in text(missing)


def test_a_rejected_application_says_so(client, db_session, union, officer):
    submitted = join.submit_application(db_session, union, name="申请人13", id_number=id_number(seq=13), consent=True)
    memberships.decide(db_session, officer, submitted.membership, approve=False, reason="不在本工地")
    page = text(client.get(f"/join/status?code={submitted.membership.receipt_code}"))
    assert "Not approved" in page and "Show my member card" not in page


# --- rate limit ---------------------------------------------------------------------


@pytest.fixture
def limited_client(app, database_url, connection):
    """An app with the rate limit on (the test configuration turns it off)."""
    app = create_app(
        {**TEST_CONFIG, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, "JOIN_RATE_LIMIT": "3 per minute"}
    )
    db.use_sessionmaker(
        app, so.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    with app.app_context():
        yield app.test_client()


def test_too_many_submissions_from_one_address_get_a_friendly_429(limited_client, union):
    url = f"/join/{join.join_token(union)}"
    for n in range(3):
        assert limited_client.post(url, data=applicant(20 + n)).status_code == 302
    refused = limited_client.post(url, data=applicant(30))
    assert refused.status_code == 429
    page = text(refused)
    assert "请稍候" in page and "您的信息不会丢失" in page  # a worker reads Chinese by default
    assert limited_client.get(url).status_code == 200  # reading the form is not limited
    other_site = limited_client.post(url, data=applicant(31), environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other_site.status_code == 302


# --- officer pages ------------------------------------------------------------------


def test_the_officer_prints_an_a4_poster_with_the_unions_name_and_qr(client, union, officer):
    sign_in(client, officer)
    manage = client.get(f"/join/unions/{union.id}")
    assert join.join_token(union) in manage.get_data(as_text=True)
    poster = client.get(f"/join/unions/{union.id}/poster")
    body = poster.get_data(as_text=True)
    assert "poster.css" in body and union.name in body and "<svg" in body
    stylesheet = client.get("/static/poster.css")
    assert "size: A4" in stylesheet.get_data(as_text=True)
    stylesheet.close()
    png = client.get(f"/join/unions/{union.id}/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    svg = client.get(f"/join/unions/{union.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


@pytest.mark.parametrize("role", ["contractor", "officer_elsewhere"])
def test_only_the_unions_officers_manage_its_link(client, f, union, role):
    if role == "contractor":
        user = f.user("contractor", contractor=f.contractor())
    else:
        user = f.user("officer", unions=[f.started_union()])
    sign_in(client, user)
    for path in ("", "/poster", "/qr.png"):
        assert client.get(f"/join/unions/{union.id}{path}").status_code == 404
    assert client.post(f"/join/unions/{union.id}/rotate").status_code == 404
    assert union.join_token_version == 1


# --- member cards -------------------------------------------------------------------


def test_member_numbers_are_deterministic_with_a_check_character(f, union):
    m = f.enroll(union)
    number = join.member_number(m)
    assert number == join.member_number(m)
    assert re.fullmatch(r"\d{5}-\d{8}-[0-9X]", number)
    assert number.startswith(f"{union.id:05d}-{m.id:08d}")


def test_the_card_and_its_check_show_name_and_masked_id_only(client, f, union, officer):
    m = f.enroll(union, name="王小明", id_number=id_number(seq=41))
    sign_in(client, officer)
    card = client.get(f"/join/members/{m.id}/card", follow_redirects=True)
    page = text(card)
    assert "王小明" in page and m.worker.id_masked in page and join.member_number(m) in page
    assert id_number(seq=41) not in card.get_data(as_text=True)
    verify = client.get(f"/join/verify/{join.card_token(m)}")
    assert verify.headers["Cache-Control"] == "no-store"
    assert f"Active member of {union.name}" in text(verify)
    assert id_number(seq=41) not in verify.get_data(as_text=True)


def test_the_check_follows_a_transfer_and_an_end(client, db_session, f, union):
    m = f.enroll(union)
    other = f.active_union(members=1)
    memberships.transfer_membership(db_session, f.admin, m, other, on=dt.date(2024, 5, 1))
    info = join.verify_card(db_session, join.card_token(m))
    assert (info.status, info.now_union, info.now_state) == ("transferred", other.name, "active")
    page = text(client.get(f"/join/verify/{join.card_token(m)}"))
    assert f"Transferred from {union.name}" in page and f"Active member of {other.name} since" in page
    moved = db_session.scalars(sa.select(Membership).where(Membership.transferred_from_id == m.id)).one()
    memberships.end_membership(db_session, f.admin, moved, "withdrew", on=dt.date(2024, 6, 1))
    info = join.verify_card(db_session, join.card_token(m))
    assert (info.status, info.now_state) == ("transferred", "ended")
    ended = join.verify_card(db_session, join.card_token(moved))
    assert (ended.status, ended.ended_on) == ("ended", dt.date(2024, 6, 1))


def test_the_check_says_kept_after_the_union_was_dissolved(client, db_session, f):
    regional = f.regional_union()
    union = f.active_union(members=2)
    m = db_session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).first()
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    f.fire(union, "dissolve", on=dt.date(2024, 9, 2))
    info = join.verify_card(db_session, join.card_token(m))
    assert (info.status, info.now_union, info.now_state) == ("kept", regional.name, "active")
    page = text(client.get(f"/join/verify/{join.card_token(m)}"))
    assert f"Still a member: kept after {union.name} was dissolved" in page


def test_pending_applications_and_forged_cards_have_no_card(client, db_session, f, union, officer):
    submitted = join.submit_application(db_session, union, name="申请人14", id_number=id_number(seq=14), consent=True)
    assert client.get(f"/join/verify/{join.card_token(submitted.membership)}").status_code == 404
    assert client.get("/join/verify/forged.token").status_code == 404
    sign_in(client, officer)
    assert client.get(f"/join/members/{submitted.membership.id}/card").status_code == 404
