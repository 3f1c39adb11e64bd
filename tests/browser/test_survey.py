"""The survey (摸排) as its users walk it, in headless Chromium: town staff open their worklist
and find a site started 40 days ago without a founded union; the site's officer opens the
not-yet-enrolled workers, prints two registration forms (A4 pages), enrolls one worker with
recorded consent and marks one declined; the city dashboard's two rates move accordingly.

Screenshots at desktop width and at 360 px go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from projectunion import create_app, migrate
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.services import crews, site_entries, users
from tests.browser.conftest import ARTIFACTS, serve
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories, id_number
from tests.views_support import PASSWORD

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SITE = "羊亭花园三期"
WORKERS = ("张伟", "李娜", "王强")


@pytest.fixture(scope="module")
def database_url_of_its_own():
    with empty_database("pu_survey") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="module")
def live(database_url_of_its_own):
    """A site in 羊亭镇 started 40 days ago, its union preparing, a crew of three on it; another
    site founded; town staff, the site's officer and city staff accounts."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url_of_its_own})
    with app.app_context():
        session = get_session()
        f = Factories(session)
        started = today() - dt.timedelta(days=40)
        project = f.project(registered_on=started - dt.timedelta(days=20), name=SITE)
        f.fire(project, "start", on=started)
        founded = f.started_union(on=started, registered_on=started, town=f.wendeng_town)
        chair = f.enroll(founded, on=started)
        f.fire(founded, "found", on=started, chair_membership_id=chair.id)
        company = f.contractor("鲁东建筑劳务")
        boss = f.user("contractor", contractor=company)
        crew = crews.create_crew(session, boss, company, name="钢筋一班", created_on=started)
        for i, name in enumerate(WORKERS):
            crews.add_member(
                session, boss, crew, id_number=id_number("371002", seq=600 + i), name=name, trade="钢筋工",
                joined_on=started,
            )  # fmt: skip
        site_entries.enter_site(session, boss, project, crew=crew, entered_on=started + dt.timedelta(days=3))
        users.create_user(session, None, username="town-staff", password=PASSWORD, role="union_staff",
                          display_name="羊亭镇总工会", jurisdiction=f.yangting)  # fmt: skip
        users.create_user(session, None, username="site-officer", password=PASSWORD, role="officer",
                          display_name="孙建国", jurisdiction=f.huancui, unions=[project.union])  # fmt: skip
        users.create_user(session, None, username="city-viewer", password=PASSWORD, role="city_staff")
        project_id = project.id
    with serve(app) as base:
        yield base, project_id


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"survey-{name}.png"), full_page=True)


def sign_in(browser, base: str, username: str, **context_args):
    context = browser.new_context(locale="zh-CN", **context_args)
    page = context.new_page()
    page.goto(base + "/sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    return context, page


def sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def rates(page) -> dict[str, str]:
    return {name: page.locator(f"#dash-{name} .num").inner_text() for name in ("founding_rate", "membership_rate")}


def test_the_survey_walked_by_town_staff_the_officer_and_the_city(live, browser):
    base, project_id = live

    # the city's dashboard before: one of two sites founded, nobody on our site a member
    city, page = sign_in(browser, base, "city-viewer", **DESKTOP)
    page.goto(base + "/dashboard/")
    before = rates(page)
    assert before == {"founding_rate": "50.0%", "membership_rate": "0.0%"}
    assert SITE in page.locator("#worst-sites").inner_text()

    # town staff: their worklist shows the site, 40 days since the start, without a founded union
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = sign_in(browser, base, "town-staff", **size)
        page.goto(base + "/survey/")
        row = page.locator("#without-union tr", has_text=SITE)
        assert row.count() == 1
        assert "40" in row.inner_text()
        assert "羊亭镇" in page.locator("h1 + .sub").inner_text()
        shot(page, f"worklist-{name}")
        assert not sideways(page), name
        context.close()

    # the officer: the site's not-yet-enrolled workers
    context, page = sign_in(browser, base, "site-officer", **DESKTOP)
    page.goto(base + f"/survey/sites/{project_id}")
    for name in WORKERS:
        assert page.locator("#not-enrolled tr", has_text=name).count() == 1
    shot(page, "site-desktop")

    # two registration forms, print-ready A4 pages
    for name in WORKERS[:2]:
        page.locator("#not-enrolled tr", has_text=name).locator("input[name=worker]").check()
    with context.expect_page() as opened:
        page.get_by_role("button", name="为勾选的工人打印入会登记表").click()
    forms = opened.value
    forms.wait_for_load_state()
    sheets = forms.locator("section.sheet")
    assert sheets.count() == 2
    body = forms.content()
    assert all(name in body for name in WORKERS[:2]) and WORKERS[2] not in body
    assert id_number("371002", seq=600) not in body and len(re.findall(r"37\*{14}[0-9][0-9X]", body)) == 2
    assert forms.locator(".sheet .qr svg").count() == 2
    forms.emulate_media(media="print")
    # each sheet is one A4 page: the print style breaks after every sheet
    breaks = forms.evaluate("[...document.querySelectorAll('.sheet')].map(s => getComputedStyle(s).breakAfter)")
    assert breaks[0] == "page"
    shot(forms, "forms-print")
    forms.emulate_media(media="screen")
    shot(forms, "forms-desktop")
    forms.set_viewport_size({"width": 360, "height": 780})
    shot(forms, "forms-phone")
    forms.emulate_media(media="print")
    pdf = forms.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (ARTIFACTS / "survey-forms.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 2  # two workers, two A4 pages
    forms.close()

    # enroll the first with recorded consent; mark the second declined
    row = page.locator("#not-enrolled tr", has_text=WORKERS[0])
    row.locator("input[name=confirmed]").check()
    row.get_by_role("button", name="办理入会").click()
    page.wait_for_load_state()
    assert WORKERS[0] in page.locator(".flash-success").inner_text()
    assert page.locator("#not-enrolled tr", has_text=WORKERS[0]).count() == 0
    page.locator("#not-enrolled tr", has_text=WORKERS[1]).get_by_role("button", name="拒绝入会").click()
    page.wait_for_load_state()
    assert page.locator("#not-enrolled tr", has_text=WORKERS[1]).count() == 0
    assert WORKERS[1] in page.locator("#declined").inner_text()
    assert page.locator("#membership_rate .num").inner_text() == "33.3%"
    shot(page, "site-after-desktop")
    context.close()

    context, page = sign_in(browser, base, "site-officer", **PHONE)
    page.goto(base + f"/survey/sites/{project_id}")
    shot(page, "site-phone")
    assert not sideways(page)
    context.close()

    # the dashboard after: the declined worker still counts in the denominator
    page = city.new_page()
    page.goto(base + "/dashboard/")
    assert rates(page) == {"founding_rate": "50.0%", "membership_rate": "33.3%"}
    shot(page, "dashboard-desktop")
    city.close()
    context, page = sign_in(browser, base, "city-viewer", **PHONE)
    page.goto(base + "/dashboard/")
    shot(page, "dashboard-phone")
    assert not sideways(page)
    context.close()
