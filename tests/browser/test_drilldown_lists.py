"""A drill-down list in headless Chromium, in Chinese: clicking a column's header sorts the list by it
(again: the other way), clicking a person's name opens the worker's page, and on a phone, where the
headers are hidden, the sort form does the same.

Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion import create_app, migrate
from projectunion.db import get_session
from projectunion.services import users
from tests.browser.conftest import ARTIFACTS, serve
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories, id_number
from tests.views_support import PASSWORD

pytestmark = pytest.mark.browser
D = dt.date
PEOPLE = [("乙二", "木工"), ("甲一", "钢筋工"), ("丁四", None), ("丙三", "电工")]
LIST = "/dashboard/list?metric=new_members&from=2024-01-01&to=2024-12-31&as_of=2025-01-31"


@pytest.fixture(scope="module")
def live():
    """Four new members of one project union in 2024, served on 127.0.0.1; a city staff account."""
    with empty_database("pu_drill") as url:
        migrate.upgrade(url)
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
        with app.app_context():
            session = get_session()
            f = Factories(session)
            union = f.started_union(on=D(2024, 2, 1))
            for n, (name, trade) in enumerate(PEOPLE):
                f.enroll(union, on=D(2024, 3, 1 + n), id_number=id_number("510104", seq=n), name=name, trade=trade)
            users.create_user(session, None, username="city-viewer", password=PASSWORD, role="city_staff")
        with serve(app) as base:
            yield base


def signed_in(browser, live, **context):
    page = browser.new_context(locale="zh-CN", **context).new_page()
    page.goto(live + "/sign-in")
    page.fill("input[name=username]", "city-viewer")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    return page


def names(page) -> list[str]:
    return page.locator("table.dash-list tbody td[data-label='姓名']").all_inner_texts()


def test_clicking_a_header_sorts_and_clicking_a_name_opens_the_worker(live, browser):
    page = signed_in(browser, live, viewport={"width": 1280, "height": 900})
    page.goto(live + LIST)
    by_name = sorted(name for name, _trade in PEOPLE)
    assert names(page) == by_name  # by name unless asked
    assert page.locator("th[aria-sort='ascending']").inner_text().startswith("姓名")

    page.locator("th a", has_text="入会日期").click()
    page.wait_for_url("**sort=date&dir=asc**")
    assert names(page) == [name for name, _trade in PEOPLE]  # the days they joined
    page.locator("th a", has_text="入会日期").click()
    page.wait_for_url("**sort=date&dir=desc**")
    assert names(page) == [name for name, _trade in reversed(PEOPLE)]
    header = page.locator("th[aria-sort='descending']")
    assert "".join(header.inner_text().split()) == "入会日期▼"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "drilldown-sorted.png"), full_page=True)

    page.locator("th a", has_text="工种").click()
    page.wait_for_url("**sort=trade&dir=asc**")
    assert names(page)[-1] == "丁四"  # no trade recorded: last

    page.locator("table.dash-list tbody a", has_text="丙三").click()
    page.wait_for_url("**/workers/*")
    assert "丙三" in page.locator("h1").inner_text()
    page.context.close()


def test_on_a_phone_the_sort_form_sorts_the_cards(live, browser):
    phone = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True}
    page = signed_in(browser, live, **phone)
    page.goto(live + LIST)
    assert page.locator("table.dash-list thead").bounding_box()["width"] <= 1  # hidden: the rows are cards
    form = page.locator("form.list-sort")
    assert form.is_visible()
    form.locator("select[name=sort]").select_option("name")
    form.locator("select[name=dir]").select_option("desc")
    form.locator("button").click()
    page.wait_for_url("**sort=name&dir=desc**")
    assert names(page) == sorted((name for name, _trade in PEOPLE), reverse=True)
    assert "metric=new_members" in page.url and "from=2024-01-01" in page.url  # the filters kept
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    page.screenshot(path=str(ARTIFACTS / "drilldown-phone.png"), full_page=True)
    page.context.close()
