"""The dissolution with a pending application, end to end in headless Chromium: a worker
applied by QR code before the site closed; the project is completed; the officer finds no
"approve" button any more, decides the application in the dissolution wizard by handing the
applicant on, and dissolves; the worker's status page then says where they are a member.

Screenshots go to tests/artifacts/ (ignored by git), at a desk's 1280 px and a phone's 360 px.
"""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion import create_app, migrate
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.services import join, users
from tests.browser.conftest import ARTIFACTS, serve
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories, id_number
from tests.views_support import PASSWORD

pytestmark = pytest.mark.browser
DESK = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
REGIONAL = "羊亭镇区域工会"
APPLICANT = "晚来者"


@pytest.fixture(scope="module")
def live():
    with empty_database("pu_browser_dissolve") as url:
        migrate.upgrade(url)
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "WTF_CSRF_ENABLED": True})
        with app.app_context():
            session = get_session()
            f = Factories(session)
            f.regional_union(name=REGIONAL)
            union = f.active_union(members=2)
            submitted = join.submit_application(
                session,
                union,
                name=APPLICANT,
                id_number=id_number(seq=77, birth=dt.date(1988, 8, 8)),
                phone="13900007777",
                consent=True,
            )
            # The worker applied from the QR code today; the site closes today too.
            f.fire(union.project, "complete", on=today())
            officer = users.create_user(
                session,
                None,
                username="officer-dissolve",
                password=PASSWORD,
                role="officer",
                unions=[union],
                jurisdiction=f.huancui,
            )
            officer.locale = "en"
            session.commit()
            scenario = {
                "union_id": union.id,
                "union_name": union.name,
                "officer": officer.username,
                "receipt": submitted.membership.receipt_code,
            }
        with serve(app) as base:
            yield base, scenario


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dissolution-pending-{name}.png"), full_page=True)


def test_the_dissolution_with_a_pending_application_ends_with_the_applicant_a_member_of_the_successor(live, browser):
    base, scenario = live
    union_id = scenario["union_id"]
    office = browser.new_context(**DESK, locale="en")
    desk = office.new_page()
    desk.goto(base + "/sign-in")
    desk.fill("#username", scenario["officer"])
    desk.fill("#password", PASSWORD)
    desk.click(".signin form button[type=submit]")

    # The pending tab offers no approval the machine would refuse: it points to the wizard.
    desk.goto(base + f"/unions/{union_id}?tab=pending")
    row = desk.locator("#decide-form tbody tr", has_text=APPLICANT)
    assert row.locator("button[value^='approve:']").count() == 0
    assert desk.locator("#decide-form button[value='approve']").count() == 0
    shot(desk, "1-pending-tab")
    desk.click("#decide-in-wizard a")

    # The wizard lists the application among what must be settled, with the decision inline.
    application = desk.locator("#applications tr", has_text=APPLICANT)
    assert application.count() == 1
    application.locator("input[value='hand_on']").check()
    desk.fill("#on", today().isoformat())
    desk.click("button[value='preview']")
    assert f"1 applicant will become a member of {REGIONAL}" in desk.locator("#summary").inner_text()
    shot(desk, "2-wizard")
    desk.check("#confirm")
    desk.click("button[value='dissolve']")
    desk.wait_for_load_state()
    assert "is dissolved" in desk.locator("main").inner_text()
    shot(desk, "3-dissolved")
    office.close()

    # The worker comes back with the receipt code: a member of the successor union, with a card.
    worker = browser.new_context(**PHONE, locale="en")
    phone = worker.new_page()
    phone.goto(base + f"/join/status?code={scenario['receipt']}")
    assert phone.locator("#application-state").get_attribute("data-state") == "handed_on"
    assert REGIONAL in phone.locator("#outcome").inner_text()
    assert phone.locator("a[href*='/join/card/']").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone, "4-status")
    worker.close()
