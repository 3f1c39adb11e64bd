"""An officer's whole project, clicked through in headless Chromium:

sign in → register a project → start it → enroll three workers (one a transfer
from another union) → found the union → complete the project → dissolution
wizard → the dissolved union's roster and a worker's history → English and back.
Screenshots of the main pages (desktop and a 360-px phone) go to tests/artifacts/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Site

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
WORKERS = [
    ("张建军", "411502198005060218", "13800000001", "钢筋工"),
    ("马丽·阿依", "510122199211230573", "13800000002", "电焊工"),
]


def shot(page: Page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/sign-in")
    page.fill("#username", Site.officer[0])
    page.fill("#password", Site.officer[1])
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".flash-success")).to_contain_text("欢迎，王建国")


def confirm_event(page: Page, button: str, on: str) -> None:
    page.get_by_role("link", name=button, exact=True).click()
    page.fill("#on", on)
    page.get_by_role("button", name=f"确认{button}").click()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def test_an_officer_runs_a_project_union_from_start_to_dissolution(page: Page, live_server, artifacts):
    base = live_server
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    shot(page, artifacts, "01-sign-in")
    sign_in(page, base)
    shot(page, artifacts, "02-home")

    # Register the project.
    page.get_by_role("link", name="登记项目").first.click()
    page.fill("#name", "威海市民文化中心")
    page.fill("#permit_no", "371002202400118")
    page.select_option("#town_code", "371002005")
    page.fill("#address", "羊亭镇文化路1号")
    page.fill("#registered_on", "2024-02-20")  # entered after the fact, with its real dates
    page.fill("#planned_start", "2024-03-01")
    page.fill("#planned_end", "2026-06-30")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("威海市民文化中心")
    expect(page.locator("h1")).to_have_text("威海市民文化中心")

    # Start it: the union opens in preparation.
    confirm_event(page, "开工", "2024-03-01")
    expect(page.locator(".page-head .badge")).to_have_text("在建")
    shot(page, artifacts, "03-project-started")
    page.get_by_role("link", name="威海市民文化中心项目工会").first.click()
    expect(page.locator(".page-head .badge")).to_have_text("筹备中")

    # Enroll three workers; the third is active in another union and is transferred.
    page.get_by_role("link", name="办理入会", exact=True).click()
    for name, number, phone, trade in WORKERS:
        page.fill("#name", name)
        page.fill("#id_number", number)
        page.fill("#phone", phone)
        page.fill("#trade", trade)
        page.fill("#joined_on", "2024-03-05")
        page.get_by_role("button", name="办理入会", exact=True).click()
        expect(page.locator(".flash-success")).to_contain_text(f"{name}已成为威海市民文化中心项目工会会员")
    name, number = Site.mover
    page.fill("#name", name)
    page.fill("#id_number", number)
    page.fill("#joined_on", "2024-03-06")
    page.get_by_role("button", name="办理入会", exact=True).click()
    warning = page.locator(".notice-warning")
    expect(warning).to_contain_text("已是其他工会会员")
    expect(warning).to_contain_text(Site.elsewhere)
    shot(page, artifacts, "04-enroll-transfer-offer")
    page.get_by_role("button", name="接转到威海市民文化中心项目工会").click()
    expect(page.locator(".flash-success")).to_contain_text(f"已从{Site.elsewhere}接转")

    # Found the union with the first worker as chair.
    page.get_by_role("link", name="返回工会").click()
    expect(page.locator(".stat .num").first).to_have_text("3")
    page.get_by_role("link", name="组建工会").click()
    chair = page.locator("#chair_membership_id option", has_text=WORKERS[0][0]).get_attribute("value")
    page.select_option("#chair_membership_id", chair)
    page.fill("#on", "2024-03-20")
    page.get_by_role("button", name="确认组建工会").click()
    expect(page.locator(".page-head .badge")).to_have_text("运行中")
    expect(page.locator("#roster")).to_contain_text("工会主席")
    shot(page, artifacts, "05-union-active")

    # Complete the project: the union begins its dissolution.
    page.get_by_role("link", name="威海市民文化中心", exact=True).first.click()
    confirm_event(page, "项目竣工", "2024-09-01")
    expect(page.locator(".page-head .badge")).to_have_text("已竣工")

    # The dissolution wizard: default successor, one member ends, the summary, one step.
    page.get_by_role("link", name="打开撤销向导").click()
    expect(page.locator("#successor_union_id option:checked")).to_have_text(Site.regional)
    expect(page.locator("#summary")).to_contain_text(f"3 名会员将接转到{Site.regional}")
    page.fill("#q", WORKERS[1][0][:2])
    page.get_by_role("button", name="查找", exact=True).click()
    page.get_by_role("button", name="为该会员单独处理").click()
    page.locator("select.decision").select_option("end")
    page.locator("select[name^=reason-]").select_option("withdrew")
    page.fill("#on", "2024-09-30")
    page.get_by_role("button", name="更新汇总").click()
    expect(page.locator("#summary")).to_contain_text(f"2 名会员将接转到{Site.regional}")
    expect(page.locator("#summary")).to_contain_text("1 名会员的会籍将终止")
    shot(page, artifacts, "06-dissolution-wizard")
    page.get_by_label("我已阅读汇总：现在撤销工会。").check()
    page.get_by_role("button", name="撤销工会").click()
    expect(page.locator(".flash-success")).to_contain_text(f"2 名会员已接转到{Site.regional}")

    # Afterwards: read-only, and the whole roster with where everyone went.
    expect(page.locator(".readonly-banner")).to_contain_text("本工会已于2024年9月30日撤销")
    expect(page.get_by_role("link", name="办理入会")).to_have_count(0)
    roster = page.locator("#roster tbody")
    expect(roster.locator("tr")).to_have_count(3)
    expect(roster).to_contain_text(Site.regional)
    expect(roster).to_contain_text("本人退会")
    shot(page, artifacts, "07-dissolved-roster")

    # The transferred worker's history: the other union, this one, the regional union.
    roster.get_by_role("link", name=Site.mover[0]).click()
    history = page.locator("table.list tbody")
    expect(history.locator("tr")).to_have_count(3)
    expect(history.locator("tr").nth(0)).to_contain_text(Site.elsewhere)
    expect(history.locator("tr").nth(1)).to_contain_text("威海市民文化中心项目工会")
    expect(history.locator("tr").nth(2)).to_contain_text(Site.regional)
    expect(history.locator("tr").nth(2)).to_contain_text("在册会员")
    expect(page.locator(".facts")).to_contain_text(
        "出生年份1980"
    )  # the year only: the officer may not reveal the number
    shot(page, artifacts, "08-worker-history")

    # The worker is a member of the regional union now: the officer's reveal right, which follows the
    # current membership, no longer reaches him; his history stays readable.
    expect(page.get_by_role("button", name="查看完整身份证号")).to_have_count(0)

    # English, and back to Chinese.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h2", has_text="Membership history")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Year of birth1980")
    shot(page, artifacts, "09-worker-english")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h2", has_text="会籍履历")).to_be_visible()

    # The diagrams page.
    # How a project union works: the help page, linked from every page's footer, with the diagrams folded.
    page.locator("footer a[href='/help']").click()
    expect(page.locator("svg.lifecycle.horizontal")).to_have_count(5)  # project, union, membership, wage case, crew
    shot(page, artifacts, "10-lifecycles")


PAGES = [
    ("home", "/"),
    ("projects", "/projects/"),
    ("unions", "/unions"),
    ("help", "/help"),
]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_main_pages_fit_the_screen(browser, live_server, artifacts, viewport):
    """No page is wider than the window (nothing to scroll sideways), on a phone or a desktop."""
    size = PHONE if viewport == "phone" else DESKTOP
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server)
    project = page.get_by_role("link", name="威海市民文化中心", exact=True)
    paths = list(PAGES)
    if project.count():
        href = project.first.get_attribute("href")
        paths.append(("project", href))
    page.goto(live_server + "/unions")
    for link in page.locator("table.list td.primary a").all()[:3]:
        paths.append((f"union-{len(paths)}", link.get_attribute("href")))
    page.goto(live_server + "/workers/")
    worker = page.locator("table.list td.primary a").first
    paths.append(("worker", worker.get_attribute("href")))
    too_wide = []
    for name, path in paths:
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > size["width"]:
            too_wide.append(f"{path}: {width}px")
        page.screenshot(path=str(artifacts / f"{viewport}-{name}.png"), full_page=True)
    context.close()
    assert too_wide == []
