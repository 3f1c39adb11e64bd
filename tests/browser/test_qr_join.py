"""QR scan-to-join end to end in headless Chromium at a phone's size: the worker scans the
link, fills the form (a mistake first), gets a receipt; the officer approves in the union's
approval queue; the worker comes back with the receipt code and the member card checks out.

The app runs in a thread on a database of its own (the browser needs committed data).
Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion import create_app, migrate
from projectunion.db import get_session
from projectunion.services import crews, join, site_entries, users
from tests.browser.conftest import ARTIFACTS, serve
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories, id_number
from tests.views_support import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def fresh_database_url():
    """A database of the test's own, migrated: SQLite by default, PostgreSQL when the suite runs on it."""
    with empty_database("pu_browser") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="module")
def live(fresh_database_url):
    """The app served on 127.0.0.1, and the data the scenario starts from."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": fresh_database_url, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        session = get_session()
        f = Factories(session)
        union = f.started_union(on=dt.date(2024, 3, 1))
        officer = users.create_user(
            session,
            None,
            username="officer-qr",
            password=PASSWORD,
            role="officer",
            unions=[union],
            jurisdiction=f.huancui,
        )
        company = f.contractor("威海建工")
        boss = f.user("contractor", contractor=company)
        crew = crews.create_crew(session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
        site_entries.enter_site(session, boss, union.project, crew=crew, entered_on=dt.date(2024, 3, 5))
        scenario = {
            "union_id": union.id,
            "union_name": union.name,
            "crew_label": f"{company.name} · 钢筋一班",
            "officer": officer.username,
            "join_path": f"/join/{join.join_token(union)}",
        }
    with serve(app) as base:
        yield app, base, scenario


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"qr-join-{name}.png"), full_page=True)


def test_scan_apply_approve_and_check_the_member_card(live, browser):
    app, base, scenario = live
    worker = browser.new_context(**PHONE, locale="zh-CN")
    phone = worker.new_page()

    # The worker scans the poster: the link opens the form, in Chinese, at a phone's width.
    phone.goto(base + scenario["join_path"])
    assert scenario["union_name"] in phone.locator("h1").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "1-form")

    # A mistyped ID number is explained on the same form, with what was typed kept.
    number = id_number(seq=88, birth=dt.date(1979, 8, 8))
    phone.fill("#name", "马晓东")
    phone.fill("#id_number", number[:-1])
    phone.fill("#phone", "139 0000 8888")
    phone.fill("#trade", "钢筋工")
    phone.select_option("#crew_id", label=scenario["crew_label"])
    phone.check("#consent")
    with phone.expect_navigation():
        phone.click("#join-form button[type=submit]")
    assert phone.locator(".field.has-error #id_number").count() == 1
    assert phone.input_value("#name") == "马晓东"
    assert phone.input_value("#phone") == "139 0000 8888"
    shot(phone, "2-mistake")

    phone.fill("#id_number", number)
    phone.check("#consent")
    phone.click("#join-form button[type=submit]")
    receipt = phone.locator("#receipt-code").inner_text().strip()
    assert len(receipt) == 8
    assert phone.locator("#application-state").get_attribute("data-state") == "pending"
    shot(phone, "3-receipt")

    # The officer approves it in the union's approval queue.
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = office.new_page()
    desk.goto(base + "/sign-in")
    desk.fill("#username", scenario["officer"])
    desk.fill("#password", PASSWORD)
    desk.click(".signin form button[type=submit]")
    desk.goto(base + f"/unions/{scenario['union_id']}?tab=pending")
    row = desk.locator("#decide-form tbody tr", has_text="马晓东")
    assert receipt in row.inner_text()
    row.locator("button[value^='approve:']").click()
    desk.wait_for_load_state()
    assert desk.locator("#decide-form tbody tr", has_text="马晓东").count() == 0
    shot(desk, "4-approved")
    office.close()

    # The worker comes back with the receipt code and opens the member card.
    phone.goto(base + scenario["join_path"])
    phone.fill("#code", receipt.lower())
    phone.click("form[action$='/join/status'] button[type=submit]")
    assert phone.locator("#application-state").get_attribute("data-state") == "active"
    phone.click("a[href*='/join/card/']")
    card = phone.locator("#member-card")
    assert "马晓东" in card.inner_text()
    assert number not in phone.content()
    assert card.locator(".qr svg").count() == 1
    member_number = phone.locator("#member-number").inner_text().strip()
    shot(phone, "5-card")

    # The card's QR code leads to the live check: active, name and masked ID only.
    phone.click("a[href*='/join/verify/']")
    assert phone.locator("#verdict").get_attribute("data-status") == "active"
    page = phone.locator("main").inner_text()
    assert "马晓东" in page and member_number in page and number[:2] + "*" * 14 + number[-2:] in page
    assert number not in phone.content()
    shot(phone, "6-verified")
    worker.close()


def test_a_rotated_link_no_longer_opens_the_form(live, browser):
    app, base, scenario = live
    with app.app_context():
        from projectunion.models import Union

        session = get_session()
        union = session.get(Union, scenario["union_id"])
        old = scenario["join_path"]
        union.join_token_version += 1
        session.commit()
        new = f"/join/{join.join_token(union)}"
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    response = page.goto(base + old)
    assert response.status == 404
    assert page.locator("#join-form").count() == 0
    shot(page, "7-rotated")
    assert page.goto(base + new).status == 200
    assert page.locator("#join-form").count() == 1
    context.close()
