"""The dashboard in headless Chromium at a 360-px phone's width, in Chinese: the charts
draw, nothing is fetched from another host, the page does not scroll sideways, and
tapping a bar opens the people behind it.

The app runs in a thread on a database of its own (the browser needs committed data).
Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest

from projectunion import create_app, migrate
from projectunion.db import get_session
from projectunion.services import memberships, users
from tests.browser.conftest import ARTIFACTS, serve
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories, id_number
from tests.views_support import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
D = dt.date


@pytest.fixture(scope="module")
def database_url_of_its_own():
    """A database of the test's own, migrated: SQLite by default, PostgreSQL when the suite runs on it."""
    with empty_database("pu_dash") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="module")
def live(database_url_of_its_own):
    """Members in two districts over 2024, served on 127.0.0.1; a city staff account reading Chinese."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url_of_its_own})
    with app.app_context():
        session = get_session()
        f = Factories(session)
        huancui = f.started_union(on=D(2024, 2, 1))
        wendeng = f.started_union(on=D(2024, 2, 1), town=f.wendeng_town)
        people = [
            f.enroll(huancui, on=D(2024, 2 + n % 9, 3), id_number=id_number("510104", seq=n), trade="木工")
            for n in range(12)
        ]
        f.fire(huancui, "found", on=D(2024, 2, 5), chair_membership_id=people[0].id)
        memberships.transfer_membership(session, f.admin, people[1], wendeng, on=D(2024, 9, 1))
        users.create_user(session, None, username="city-viewer", password=PASSWORD, role="city_staff")
    with serve(app) as base:
        yield base


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)


def sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_the_dashboard_on_a_phone_in_chinese(live, browser):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(live + "/sign-in")
    page.fill("input[name=username]", "city-viewer")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()

    page.goto(live + "/dashboard/?from=2024-01-01&to=2024-12-31")
    assert page.locator("h1").inner_text() == "统计"
    assert "每月新发展会员" in page.content()
    charts = page.locator("svg.trend")
    assert charts.count() == 2
    for i in range(2):
        box = charts.nth(i).bounding_box()
        assert box["width"] > 250 and box["height"] > 120  # drawn, and fills the phone's width
    assert page.locator("svg.trend rect[fill]").count() >= 12  # a column per month
    assert not sideways(page)
    shot(page, "phone")

    # Tapping 环翠区's bar of new members lists those people.
    page.locator(".hbar", has_text="环翠区").locator("a.hbar-line").first.click()
    page.wait_for_load_state()
    assert "新发展会员" in page.locator("h1").inner_text() and "环翠区" in page.locator("h1").inner_text()
    assert page.locator(".stat .num").first.inner_text() == "12"
    assert not sideways(page)
    shot(page, "phone-list")

    # The breakdown table scrolls inside its card, not the page.
    page.goto(live + "/dashboard/table?by=month&from=2024-01-01&to=2024-12-31")
    assert "不是各行之和" in page.content()
    assert not sideways(page)
    assert hosts == {urlsplit(live).netloc}  # nothing from a CDN or any other host
    context.close()
