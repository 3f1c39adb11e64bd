"""Personal data that cannot be rebuilt, leaked or changed by strangers (issue 12).

The anonymous join form is an oracle unless it answers alike for every number and
changes nothing stored; masked numbers must not be rebuildable from what a page shows.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from babel import dates as babel_dates
from stdnum import numdb

from projectunion import permissions
from projectunion.dates import today
from projectunion.models import Membership, Worker
from projectunion.services import crews, join, memberships
from projectunion.services import workers as worker_service
from tests.databases import empty_database
from tests.factories import id_number
from tests.views_support import sign_in, text


@pytest.fixture(autouse=True)
def english(client):
    with client.session_transaction() as session:
        session["locale"] = "en"


@pytest.fixture
def scratch_url():
    with empty_database("pu_priv") as url:
        yield url


@pytest.fixture
def union(f):
    return f.active_union(members=1)


@pytest.fixture
def officer(f, union):
    return f.user("officer", unions=[union], jurisdiction=f.huancui)


def form_data(number: str, name: str, phone: str = "139 0000 0001") -> dict:
    return {"name": name, "id_number": number, "phone": phone, "trade": "", "consent": "y"}


def lookup(number: str, phone: str) -> dict:
    """The status form by ID number and phone (its fields are prefixed: the join form is on the same page)."""
    return {"lookup-id_number": number, "lookup-phone": phone}


def answer(client, union, data) -> str:
    """The page a visitor ends on after submitting, with the receipt code blanked out."""
    response = client.post(f"/join/{join.join_token(union)}", data=data, follow_redirects=True)
    assert response.status_code == 200
    return re.sub(r"[0-9A-F]{8}", "RECEIPT", response.get_data(as_text=True))


def worker_with(db_session, number: str) -> Worker | None:
    return worker_service.find_by_id_number(db_session, number)


# --- 5. the anonymous join form ---------------------------------------------------------


def test_the_form_answers_alike_for_known_unknown_and_other_union_numbers(client, db_session, f, union):
    elsewhere = f.active_union(members=1)
    here = f.enroll(union, id_number=id_number(seq=501), name="王建国")
    there = f.enroll(elsewhere, id_number=id_number(seq=502), name="李卫东")
    pages = [
        answer(client, union, form_data(id_number(seq=503), "张三")),  # nobody has this number
        answer(client, union, form_data(id_number(seq=501), "张三")),  # a member here, wrong name
        answer(client, union, form_data(id_number(seq=502), "李卫东")),  # a member elsewhere, right name
    ]
    assert pages[0] == pages[1] == pages[2]
    for secret in ("王", "李", elsewhere.name, "another name", "already"):
        assert secret not in pages[1] + pages[2]
    assert here.worker.name == "王建国" and there.worker.name == "李卫东"


def test_the_form_never_changes_a_stored_worker_the_officers_approval_does(client, db_session, f, union, officer):
    other = f.active_union(members=1)
    member = f.enroll(other, id_number=id_number(seq=511), name="赵铁柱", phone="13700000001")
    worker = member.worker
    answer(client, union, form_data(id_number(seq=511), "赵铁柱", phone="13900000099"))
    db_session.refresh(worker)
    assert (worker.name, worker.phone) == ("赵铁柱", "13700000001")
    [application] = db_session.scalars(
        sa.select(Membership).where(Membership.union_id == union.id, Membership.state == "pending")
    )
    assert join.applicant_phone(application) == "13900000099"
    assert join.application_mismatches(application) == ("phone",)
    memberships.decide(db_session, officer, application, approve=True, on=today())
    assert worker.phone == "13900000099"


def test_a_made_up_name_for_a_new_number_locks_nobody_out(client, db_session, f, union, officer):
    number = id_number(seq=521)
    answer(client, union, form_data(number, "冒名顶替", phone="13900000666"))
    stranger = worker_with(db_session, number)
    assert stranger is not None and not stranger.confirmed
    # The real person applies elsewhere with the real name: not refused, nothing of the other name shown.
    second = f.active_union(members=1)
    page = answer(client, second, form_data(number, "真名", phone="13900000777"))
    assert "Application received" in page and "冒" not in page
    # An officer enrolling the real person is not refused either, and the record takes the real name.
    enrolled = memberships.enroll(
        db_session, f.admin, f.active_union(members=1), id_number=number, name="真名", joined_on=today()
    )
    assert (enrolled.worker.name, enrolled.worker.confirmed) == ("真名", True)


def test_approving_an_application_for_a_new_number_sets_the_name_and_phone(client, db_session, union, officer):
    number = id_number(seq=531)
    answer(client, union, form_data(number, "新工人", phone="13900000531"))
    application = db_session.scalars(
        sa.select(Membership).where(Membership.union_id == union.id, Membership.state == "pending")
    ).one()
    assert application.worker.phone is None
    memberships.decide(db_session, officer, application, approve=True, on=today())
    assert (application.worker.name, application.worker.phone, application.worker.confirmed) == (
        "新工人",
        "13900000531",
        True,
    )


def test_the_officers_queue_shows_what_was_typed_and_flags_a_mismatch(client, db_session, f, union, officer):
    f.enroll(union, id_number=id_number(seq=541), name="孙大山")
    m = f.enroll(f.active_union(members=1), id_number=id_number(seq=542), name="周小河")
    memberships.end_membership(db_session, f.admin, m, "left_site", on=today())
    answer(client, union, form_data(id_number(seq=542), "周小湖", phone="13900000542"))
    again = form_data(id_number(seq=542), "另一个人", phone="13900000543")
    answer(client, union, again)
    sign_in(client, officer)
    page = text(client.get(f"/unions/{union.id}?tab=pending"))
    assert "周小湖" in page and "139 0000 0542".replace(" ", "") in page
    assert "The name typed differs from the name on record" in page
    assert "submitted again with other details" in page


def test_the_receipt_status_never_names_another_union_nor_the_stored_name(client, db_session, f, union):
    other = f.active_union(members=1)
    f.enroll(other, id_number=id_number(seq=551), name="钱多多")
    submitted = join.submit_application(
        db_session, union, name="钱多多", id_number=id_number(seq=551), phone="13900000551", consent=True
    )
    page = text(client.get(f"/join/status?code={submitted.membership.receipt_code}"))
    assert union.name in page and other.name not in page and "钱" not in page


def test_status_by_id_number_and_phone_one_answer_for_every_miss(client, db_session, union, officer):
    number = id_number(seq=561)
    submitted = join.submit_application(
        db_session, union, name="吴一", id_number=number, phone="13900000561", consent=True
    )
    found = client.post("/join/status", data=lookup(number, "139-0000-0561"))
    assert found.status_code == 200 and submitted.membership.receipt_code in text(found)
    misses = [
        client.post("/join/status", data=lookup(number, "13900000562")),  # wrong phone
        client.post("/join/status", data=lookup(id_number(seq=562), "13900000561")),  # unknown
    ]
    assert {r.status_code for r in misses} == {404}
    assert misses[0].get_data(as_text=True) == misses[1].get_data(as_text=True)
    memberships.decide(db_session, officer, submitted.membership, approve=True, on=today())
    card = text(client.post("/join/status", data=lookup(number, "13900000561")))
    assert "Show my member card" in card


def test_a_member_enrolled_by_an_officer_opens_the_card_with_id_number_and_phone(client, f, union):
    m = f.enroll(union, id_number=id_number(seq=571), name="郑二", phone="13900000571")
    page = client.post("/join/status", data=lookup(id_number(seq=571), "13900000571"))
    assert join.card_token(m) in page.get_data(as_text=True)


def test_the_application_records_the_notice_version_and_time_of_consent(client, db_session, union):
    answer(client, union, form_data(id_number(seq=581), "冯三"))
    application = db_session.scalars(sa.select(Membership).where(Membership.receipt_code.is_not(None))).one()
    assert application.consent == "qr" and application.consent_notice == join.NOTICE_VERSION
    assert application.consented_at is not None


# --- 4. masked numbers that cannot be rebuilt -------------------------------------------

MIN_CANDIDATES = 1000
_MASK = re.compile(r"([0-9]{0,17})\*{4,}([0-9X]{0,4})")


def _county_codes(province: str) -> list[str]:
    (node,) = [n for n in numdb.get("cn/loc").prefixes if n[1] == province]
    return [province + child[1] for child in node[4] if "county" in child[3]]


def _dates_shown(day: dt.date) -> list[str]:
    shown = [day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日"]
    for locale in ("en", "zh_Hans_CN"):
        shown += [babel_dates.format_date(day, fmt, locale=locale) for fmt in ("short", "medium", "long", "full")]
    return shown


def candidates(shown: str, worker: Worker, number: str) -> int:
    """How many ID numbers fit what ``shown`` (a page, an export, an API answer) tells about the worker.

    Unknown parts: the county (fixed when its name is shown, else every county of the province
    that fits the mask), the birth day (fixed when the date is shown, 365 days with the year
    shown, two years with only the age), the sequence digits the mask hides; a shown check
    character keeps one combination in eleven.
    """
    if number in shown:
        return 1
    masks = [m for m in _MASK.finditer(shown) if number.startswith(m.group(1)) and number.endswith(m.group(2))]
    assert masks, "the worker's masked number is shown"
    prefix = max((m.group(1) for m in masks), key=len)
    suffix = max((m.group(2) for m in masks), key=len)
    county = next(
        (props["county"] for _c, props in numdb.get("cn/loc").info(worker.region_code)[1:] if "county" in props), ""
    )
    county_name = re.sub(r"^\[[0-9-]*\]", "", county)
    if county_name and county_name in shown:
        counties = 1
    else:
        counties = sum(1 for code in _county_codes(number[:2]) if code.startswith(prefix[:6]))
    if any(text_ in shown for text_ in _dates_shown(worker.birth_date)):
        days = 1
    elif str(worker.birth_date.year) in shown:
        days = 365
    else:
        days = 730
    hidden_sequence = 3 - max(0, len(suffix) - 1)
    return counties * days * 10**hidden_sequence // (11 if suffix else 1)


@pytest.fixture
def someone(f, union):
    """A worker from a small county-rich province's capital, born on a telling day."""
    number = id_number(region="371002", birth=dt.date(1966, 4, 17), seq=187)
    return f.enroll(union, id_number=number, name="陈七斤", phone="13900000187"), number


def _without_reveal(f, union, role):
    company = None
    if role == "contractor":
        company = f.contractor()
        boss = f.user("contractor", contractor=company)
        return boss, company
    if role == "officer":
        return f.user("officer", unions=[union], jurisdiction=f.huancui), None
    if role == "union_staff":
        return f.user("union_staff", jurisdiction=f.city), None
    return f.user("city_staff"), None


@pytest.mark.parametrize("role", ["officer", "union_staff", "city_staff", "contractor"])
def test_nothing_shown_without_the_reveal_right_rebuilds_the_number(
    client, db_session, f, union, someone, role, as_user
):
    member, number = someone
    worker = member.worker
    user, company = _without_reveal(f, union, role)
    if company is not None:
        crew = crews.create_crew(db_session, user, company, name="木工班", created_on=dt.date(2024, 1, 1))
        crews.add_member(db_session, user, crew, id_number=number, name="陈七斤", joined_on=dt.date(2024, 1, 2))
    assert not permissions.can_reveal_id(user)
    sign_in(client, user)
    answers = {
        "page": client.get(f"/workers/{worker.id}").get_data(as_text=True),
        "list": client.post("/workers/", data={"q": "陈七斤"}, follow_redirects=True).get_data(as_text=True),
        "api": as_user(user).get(f"/workers/{worker.id}").get_data(as_text=True),
    }
    if permissions.can_view_reports(user):
        export = client.get("/dashboard/list.csv?metric=active_members&from=2024-01-01&to=2024-12-31")
        answers["export"] = export.get_data().decode("utf-8-sig")
    assert "陈七斤" in answers["page"] and "陈七斤" in answers["list"]
    for where, shown in answers.items():
        assert candidates(shown, worker, number) >= MIN_CANDIDATES, where


def test_who_may_reveal_sees_the_birth_date_and_the_county(client, f, union, someone):
    member, number = someone
    sign_in(client, f.user("officer", unions=[union], jurisdiction=f.huancui, can_reveal_id=True))
    page = text(client.get(f"/workers/{member.worker.id}"))
    assert "环翠区" in page and "1966" in page and candidates(page, member.worker, number) < MIN_CANDIDATES


# --- 8. personal data in logs and at rest ------------------------------------------------


def test_phones_are_stored_encrypted_and_found_by_their_digest(db_session, f, union):
    m = f.enroll(union, id_number=id_number(seq=601), name="褚四", phone="13900000601")
    stored = db_session.execute(sa.text("SELECT * FROM workers WHERE id = :id"), {"id": m.worker_id}).mappings().one()
    assert "13900000601" not in " ".join(str(v) for v in stored.values())
    assert m.worker.phone == "13900000601"


def test_look_ups_by_id_number_or_phone_never_put_them_in_an_address(client, f, union, as_user):
    number = id_number(seq=611)
    f.enroll(union, id_number=number, name="卫五", phone="13900000611")
    staff = f.user("union_staff", jurisdiction=f.city)
    sign_in(client, staff)
    addresses = []
    for q in (number, "139 0000 0611"):
        response = client.post("/workers/", data={"q": q}, follow_redirects=True)
        assert response.status_code == 200 and "卫五" in text(response)
        addresses.append(response.request.url)
        leaked = client.get("/workers/", query_string={"q": q})  # typed into the address: not searched
        assert leaked.status_code == 302 and "q=" not in leaked.location
    assert all(number not in a and "0611" not in a for a in addresses)
    api = as_user(staff)
    assert api.get("/workers", id_number=number).status_code in (404, 405)
    (found,) = api.post("/workers/lookup", json={"id_number": number}).get_json()["items"]
    assert found["name"] == "卫五"


def test_the_migration_encrypts_the_phones_stored_in_clear(scratch_url, app):
    from projectunion import migrate
    from projectunion.realname import IdProtector

    migrate.upgrade(scratch_url, "0008")
    engine = sa.create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO workers (id, id_digest, id_encrypted, id_masked, id_last4, name, phone, birth_date,"
                    " gender, region_code, origin_province_code, created_at, updated_at) VALUES (1, 'd', 'x',"
                    " '371***********123X', '123X', '蒋六', '13900000621', '1980-01-01', 'M', '371002', '37',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        migrate.upgrade(scratch_url)
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT * FROM workers")).mappings().one()
    finally:
        engine.dispose()
    assert "phone" not in row and row["id_masked"] == "37**************3X"
    assert IdProtector(app.config["DATA_KEY"]).decrypt(row["phone_encrypted"]) == "13900000621"


# --- 9. rights follow the current membership; a contractor sees its own records -----------


def test_district_staff_keep_reading_a_member_who_moved_away_but_no_longer_edit_or_reveal(client, db_session, f, union):
    m = f.enroll(union, id_number=id_number(seq=701), name="韩七", phone="13900000701")
    elsewhere = f.regional_union(town=f.wendeng_town)
    memberships.transfer_membership(db_session, f.admin, m, elsewhere, on=dt.date(2024, 6, 1))
    former = f.user("union_staff", jurisdiction=f.huancui, can_reveal_id=True)
    sign_in(client, former)
    page = client.get(f"/workers/{m.worker_id}")
    assert page.status_code == 200 and union.name in text(page) and elsewhere.name in text(page)
    assert "Reveal the full ID number" not in text(page) and "Edit contact details" not in text(page)
    assert client.post(f"/workers/{m.worker_id}/reveal", data={"reason": "x"}).status_code == 403
    assert client.post(f"/workers/{m.worker_id}/contact", data={"phone": "13900000799"}).status_code == 403
    assert m.worker.phone == "13900000701"
    current = f.user("union_staff", jurisdiction=f.wendeng_town.parent, can_reveal_id=True)
    sign_in(client, current)
    assert "Reveal the full ID number" in text(client.get(f"/workers/{m.worker_id}"))
    assert client.post(f"/workers/{m.worker_id}/contact", data={"phone": "13900000799"}).status_code == 302
    assert m.worker.phone == "13900000799"


def test_a_contractor_claiming_a_worker_sees_only_its_own_record_and_changes_only_it(
    client, db_session, f, union, as_user
):
    number = id_number(seq=711)
    m = f.enroll(union, id_number=number, name="杨八", phone="13900000711")
    company = f.contractor()
    boss = f.user("contractor", contractor=company)
    crew = crews.create_crew(db_session, boss, company, name="一人班", created_on=dt.date(2024, 1, 1))
    member = crews.add_member(
        db_session, boss, crew, id_number=number, name="杨八", phone="13900000000", joined_on=dt.date(2024, 4, 1)
    )
    assert m.worker.phone == "13900000711" and member.phone == "13900000000"
    sign_in(client, boss)
    page = text(client.get(f"/workers/{m.worker_id}"))
    assert "一人班" in page and union.name not in page and "13900000711" not in page
    assert "13900000000" in page
    answer_ = as_user(boss).get(f"/workers/{m.worker_id}").get_json()
    assert answer_["memberships"] == [] and answer_["phone"] == "13900000000"
    listed = text(client.get("/workers/"))
    assert "13900000000" in listed and "13900000711" not in listed
