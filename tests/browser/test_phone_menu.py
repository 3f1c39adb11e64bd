"""The main menu on a 360-px phone: every item can be reached (behind a menu button with
JavaScript, as a wrapped list without), and nothing makes the page scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}


def _sign_in_as_admin(page, base: str) -> None:
    page.goto(base + "/sign-in")
    page.fill("#username", "admin")
    page.fill("#password", "admin-password-1")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/")


def _menu_items(page) -> list[str]:
    return page.locator(".mainnav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def _each_item_is_inside_the_window(page) -> list[str]:
    """Items whose box lies (partly) outside the 360-px window: hidden without a cue."""
    return page.locator(".mainnav a").evaluate_all(
        """links => links.filter(a => { const r = a.getBoundingClientRect();
               return r.width === 0 || r.left < 0 || r.right > window.innerWidth; })
           .map(a => a.textContent.trim())"""
    )


@pytest.mark.parametrize("who", ["admin", "officer"])
def test_every_menu_item_is_reachable_at_360_px_behind_the_menu_button(browser, live_server, artifacts, who):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    if who == "admin":
        _sign_in_as_admin(page, live_server)
    else:
        page.goto(live_server + "/sign-in")
        page.fill("#username", Site.officer[0])
        page.fill("#password", Site.officer[1])
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(live_server + "/")
    items = _menu_items(page)
    assert "/contractors/sites/" in " ".join(items) or "/sites/" in " ".join(items)
    button = page.locator(".navmenu > summary")
    expect(button).to_be_visible()
    expect(button).to_contain_text("菜单")
    expect(page.locator(".mainnav a").first).to_be_hidden()  # folded: the page starts with its content
    page.screenshot(path=str(artifacts / f"phone-menu-{who}-closed.png"), full_page=False)
    button.click()
    for link in page.locator(".mainnav a").all():
        expect(link).to_be_visible()
    assert _each_item_is_inside_the_window(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts / f"phone-menu-{who}-open.png"), full_page=False)
    page.locator(".mainnav a", has_text="工地").click()
    expect(page.locator(".navmenu > summary")).to_contain_text("工地")  # the button says where you are
    context.close()


def test_without_javascript_the_phone_menu_is_a_wrapped_list_with_every_item(browser, live_server, artifacts):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    _sign_in_as_admin(page, live_server)
    assert len(_menu_items(page)) >= 8
    for link in page.locator(".mainnav a").all():
        expect(link).to_be_visible()
    assert _each_item_is_inside_the_window(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts / "phone-menu-no-js.png"), full_page=False)
    context.close()


def test_on_a_desktop_the_menu_is_a_plain_row_without_a_button(browser, live_server, artifacts):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    _sign_in_as_admin(page, live_server)
    expect(page.locator(".navmenu > summary")).to_be_hidden()
    for link in page.locator(".mainnav a").all():
        expect(link).to_be_visible()
    page.screenshot(path=str(artifacts / "desktop-menu.png"), full_page=False)
    context.close()
