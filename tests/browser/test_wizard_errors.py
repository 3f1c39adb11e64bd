"""Issue 11 in headless Chromium: the dissolution wizard sent without its confirmation box comes
back with the error summary in view and focused, not 1,000 px below, and its link puts the
cursor into the box; a union without members says what founding needs where the button
would be, at a desk's 1280 px and a phone's 360 px.

Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from projectunion import create_app, migrate
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.services import users
from tests.browser.conftest import ARTIFACTS, serve
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories
from tests.views_support import PASSWORD

pytestmark = pytest.mark.browser
DESK = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def live():
    with empty_database("pu_browser_wizard") as url:
        migrate.upgrade(url)
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "WTF_CSRF_ENABLED": True})
        with app.app_context():
            session = get_session()
            f = Factories(session)
            f.regional_union(name="羊亭镇区域工会")
            dissolving = f.active_union(members=12)
            f.fire(dissolving.project, "complete", on=today())
            empty = f.started_union()
            officer = users.create_user(
                session,
                None,
                username="officer-wizard",
                password=PASSWORD,
                role="officer",
                unions=[dissolving, empty],
                jurisdiction=f.huancui,
            )
            officer.locale = "en"
            session.commit()
            scenario = {"dissolving": dissolving.id, "empty": empty.id, "officer": officer.username}
        with serve(app) as base:
            yield base, scenario


def signed_in(browser, base: str, scenario: dict, **context):
    ctx = browser.new_context(**context, locale="en")
    page = ctx.new_page()
    page.goto(base + "/sign-in")
    page.fill("#username", scenario["officer"])
    page.fill("#password", PASSWORD)
    page.click(".signin form button[type=submit]")
    page.wait_for_url(base + "/")
    return ctx, page


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("context", [DESK, PHONE], ids=["desk", "phone"])
def test_the_wizard_sent_without_its_box_comes_back_with_the_error_in_view(live, browser, context):
    base, scenario = live
    name = "phone" if context is PHONE else "desk"
    ctx, page = signed_in(browser, base, scenario, **context)
    page.goto(base + f"/unions/{scenario['dissolving']}/dissolve")
    button = page.locator("button[value='dissolve']")
    button.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 800  # the button is far down the page
    button.click()
    page.wait_for_load_state()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert in_viewport(page, summary)
    assert "Tick the box to confirm that you have read the summary." in summary.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= context["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"wizard-1-error-summary-{name}.png"))

    summary.locator("a[href='#confirm']").click()
    box = page.locator("#confirm")
    expect(box).to_be_focused()
    assert in_viewport(page, box)
    page.screenshot(path=str(ARTIFACTS / f"wizard-2-at-the-box-{name}.png"))
    page.keyboard.press("Space")  # the cursor is in the box: ticking it is one key
    expect(box).to_be_checked()
    ctx.close()


@pytest.mark.parametrize("context", [DESK, PHONE], ids=["desk", "phone"])
def test_a_union_without_members_says_what_founding_needs(live, browser, context):
    base, scenario = live
    ctx, page = signed_in(browser, base, scenario, **context)
    page.goto(base + f"/unions/{scenario['empty']}")
    needed = page.locator("#withheld-found")
    expect(needed).to_contain_text("first enroll at least one member")
    assert page.locator(f"a[href$='/unions/{scenario['empty']}/events/found']").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= context["viewport"]["width"]
    name = "phone" if context is PHONE else "desk"
    page.screenshot(path=str(ARTIFACTS / f"wizard-3-founding-needs-{name}.png"), full_page=True)
    needed.get_by_role("link", name="Enroll a member").click()
    page.wait_for_url(base + f"/unions/{scenario['empty']}/enroll")
    ctx.close()
