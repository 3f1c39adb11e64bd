"""A form sent empty in Chromium: every mistake at once, in a summary at the top that has the
focus, each line a link that puts the cursor into its field."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_empty_project_form_shows_all_its_errors_at_the_top(browser, live_server, artifacts, viewport):
    context = browser.new_context(viewport=PHONE if viewport == "phone" else DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + "/sign-in")
    page.fill("#username", Site.officer[0])
    page.fill("#password", Site.officer[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/projects/new")
    page.locator("form.stacked button[type=submit]").click()
    box = page.locator(".error-summary")
    expect(box).to_be_visible()
    expect(box).to_be_focused()
    links = box.locator("a")
    expect(links).to_have_count(3)  # name, permit number, town: all at the first try
    assert box.bounding_box()["y"] < 400  # at the top, not far down the page
    page.screenshot(path=str(artifacts / f"{viewport}-project-form-errors.png"), full_page=True)
    links.nth(1).click()
    expect(page.locator("#permit_no")).to_be_focused()
    context.close()
