"""The dashboard pages: who may see them, what they show, drill-down lists and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from projectunion.services import memberships, wage_cases
from tests.factories import id_number
from tests.views_support import PASSWORD, sign_in, text

D = dt.date
PERIOD = "from=2024-01-01&to=2024-12-31&as_of=2025-01-31"
PAGES = [
    "/dashboard/",
    "/dashboard/table?by=district",
    "/dashboard/table.csv?by=origin",
    "/dashboard/table.xlsx?by=month",
    "/dashboard/list?metric=new_members",
    "/dashboard/list.csv?metric=active_members&by=district&key=371002",
    "/dashboard/list.xlsx?metric=unions_active",
]


@pytest.fixture
def history(f, db_session):
    """环翠区: a founded project union with three members, one of whom moves to 文登区; a wage case resolved."""
    huancui = f.started_union(on=D(2024, 3, 1))
    wendeng = f.started_union(on=D(2024, 3, 1), town=f.wendeng_town)
    people = [
        f.enroll(huancui, on=D(2024, 3, 2), id_number=id_number("510104", seq=n), name=name, trade=trade)
        for n, name, trade in ((11, "阿依古丽·买买提", "木工"), (12, "张三", "钢筋工"), (13, "李四", None))
    ]
    f.fire(huancui, "found", on=D(2024, 3, 3), chair_membership_id=people[0].id)
    memberships.transfer_membership(db_session, f.admin, people[2], wendeng, on=D(2024, 7, 1))
    case = wage_cases.open_wage_case(
        db_session, f.admin, huancui, summary="=拖欠工资", amount_claimed="5000", worker_ids=[people[1].worker_id],
        opened_on=D(2024, 5, 1),
    )  # fmt: skip
    f.fire(case, "mediate", on=D(2024, 5, 2))
    f.fire(case, "resolve", on=D(2024, 6, 1), amount_recovered="4800.50")
    return {"huancui": huancui, "wendeng": wendeng, "people": people}


def staff(f, role):
    kwargs = {"jurisdiction": f.huancui} if role in ("union_staff", "officer") else {}
    if role == "contractor":
        kwargs["contractor"] = f.contractor()
    return f.user(role, **kwargs)


def test_signed_out_visitors_are_sent_to_sign_in(client, f):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("role", ["officer", "contractor"])
def test_officers_and_contractors_may_not_see_totals(client, f, role):
    sign_in(client, staff(f, role))
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 403, page
        assert "Your account is not allowed to see this page or do this." in text(response)


@pytest.mark.parametrize("role", ["union_staff", "city_staff", "admin"])
def test_staff_see_every_page(client, f, history, role):
    sign_in(client, staff(f, role))
    for page in PAGES:
        response = client.get(page + ("&" if "?" in page else "?") + PERIOD)
        assert response.status_code == 200, (page, response.get_data(as_text=True)[:500])


def test_district_staff_see_their_district_only(client, f, history):
    sign_in(client, staff(f, "union_staff"))
    page = client.get(f"/dashboard/?{PERIOD}")
    body = page.get_data(as_text=True)
    assert "Huancui District · Jan 1, 2024 – Dec 31, 2024" in text(page)
    options = re.findall(r'<option value="(\d+)"', body)
    assert options and all(code.startswith("371002") for code in options)
    assert "371003" not in options
    response = client.get(f"/dashboard/?jurisdiction=371003&{PERIOD}")
    assert response.status_code == 403
    assert client.get(f"/dashboard/list?metric=new_members&jurisdiction=371000&{PERIOD}").status_code == 403
    # the person who moved to 文登区 is not among 环翠区's active members, but was a member there in 2024
    active = text(client.get(f"/dashboard/list?metric=active_members&{PERIOD}"))
    assert "李四" not in active and "张三" in active
    assert "李四" in text(client.get(f"/dashboard/list?metric=members_in_period&{PERIOD}"))


def test_headline_figures_and_their_links(client, f, history):
    sign_in(client, staff(f, "city_staff"))
    body = client.get(f"/dashboard/?{PERIOD}").get_data(as_text=True)
    stats = {
        label.strip(): num
        for num, label in re.findall(r'<span class="num">([^<]+)</span><span class="lbl">([^<]+)', body)
    }
    assert stats["New members"] == "3"
    assert stats["Developed through project unions"] == "3"
    assert stats["Active members"] == "3"
    assert stats["Project unions founded"] == "1"
    assert stats["Wages recovered (yuan)"] == "4,800.50"
    assert stats["Workers helped"] == "1"
    assert stats["New members since the start"] == "3"
    assert (
        'href="/dashboard/list?from=2024-01-01&amp;to=2024-12-31&amp;as_of=2025-01-31&amp;metric=new_members"' in body
    )


def test_charts_are_drawn_on_the_server_without_any_outside_resource(client, f, history):
    sign_in(client, staff(f, "city_staff"))
    body = client.get(f"/dashboard/?{PERIOD}").get_data(as_text=True)
    assert body.count('<svg class="trend"') == 2
    assert "环翠区" in body and "四川省" in body and "木工" in body  # bars by district, origin and trade
    assert not re.search(r'(src|href)="(https?:)?//', body)  # no CDN, no external font or script
    # each bar links to the people behind it
    assert (
        "/dashboard/list?from=2024-01-01&amp;to=2024-12-31&amp;as_of=2025-01-31&amp;metric=new_members&amp;by=district&amp;key=371002"
        in body
    )
    assert (
        "/dashboard/list?from=2024-01-01&amp;to=2024-12-31&amp;as_of=2025-01-31&amp;metric=active_members&amp;by=month&amp;key=2024-07"
        in body
    )


def test_the_table_flags_totals_that_are_not_the_sum(client, f, history):
    sign_in(client, staff(f, "city_staff"))
    page = client.get(f"/dashboard/table?by=district&{PERIOD}")
    words = text(page)
    assert "Total 3 3 3 3 3 3 The total is not the sum * not the sum * the sum the sum the sum the sum" in words
    assert "a person counted in several rows (say, two districts) counts once in the total" in words
    rows = {
        cells[0]: cells[1:]
        for cells in (
            re.findall(r"<t[hd][^>]*>(?:<a [^>]*>)?([^<]*)", row)
            for row in re.findall(r"<tr>(.*?)</tr>", page.get_data(as_text=True), re.S)
        )
        if cells
    }
    assert rows["环翠区"][:3] == ["2", "3", "3"]  # active at the end, members during the year, new
    assert rows["文登区"][:3] == ["1", "1", "0"]  # the transfer: a member there, not a new one
    by_month = text(client.get(f"/dashboard/table?by=month&{PERIOD}"))
    assert "the last value †" in by_month and "each year or month shows the value on its last day" in by_month
    unions_by_trade = text(client.get(f"/dashboard/table?by=trade&section=unions&{PERIOD}"))
    assert "—" in unions_by_trade and "a union has no trade or origin" in unions_by_trade


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-13-01", "“2024-13-01” is not a date: write it as YYYY-MM-DD"),
        ("from=2024-06-01&to=2024-05-01", "The period must end on or after the day it starts."),
        ("as_of=2999-01-01", "The as-of date cannot be in the future."),
        ("jurisdiction=999999", "There is no jurisdiction with the code 999999."),
    ],
)
def test_bad_filters_are_explained_next_to_the_field(client, f, query, message):
    sign_in(client, staff(f, "city_staff"))
    for page in ("/dashboard/", "/dashboard/table", "/dashboard/list?metric=new_members", "/dashboard/table.csv"):
        response = client.get(page + ("&" if "?" in page else "?") + query)
        assert response.status_code == 400, page
        assert message in text(response)
    assert 'class="field has-error"' in client.get(f"/dashboard/?{query}").get_data(as_text=True)


def test_unknown_breakdowns_totals_and_groups(client, f, history):
    sign_in(client, staff(f, "city_staff"))
    assert client.get(f"/dashboard/table?by=weather&{PERIOD}").status_code == 400
    assert client.get(f"/dashboard/table?section=weather&{PERIOD}").status_code == 400
    assert client.get(f"/dashboard/list?metric=weather&{PERIOD}").status_code == 404
    assert client.get(f"/dashboard/list?metric=new_members&by=month&key=1999-01&{PERIOD}").status_code == 404
    assert client.get(f"/dashboard/list?metric=new_members&by=district&key=371002005&{PERIOD}").status_code == 404
    assert client.get(f"/dashboard/list?metric=unions_active&by=trade&key=木工&{PERIOD}").status_code == 400
    assert client.get(f"/dashboard/table.pdf?{PERIOD}").status_code == 404


def test_drill_down_lists_people_with_masked_ids_page_by_page(client, f, history, app):
    app.config["PAGE_SIZE"] = 2
    sign_in(client, staff(f, "city_staff"))
    first = client.get(f"/dashboard/list?metric=new_members&{PERIOD}")
    body = first.get_data(as_text=True)
    assert "1–2 of 3" in text(first)
    assert len(re.findall(r"51\*{14}\d[\dX]", body)) == 2
    assert not re.search(r"\d{17}[\dX]", body)  # never a full ID number
    second = text(client.get(f"/dashboard/list?metric=new_members&page=2&{PERIOD}"))
    assert "3–3 of 3" in second
    names = {"阿依古丽·买买提", "张三", "李四"}
    assert sum(name in text(first) for name in names) + sum(name in second for name in names) == 3
    cases = text(client.get(f"/dashboard/list?metric=wages_recovered&{PERIOD}"))
    assert "4,800.50" in cases and "=拖欠工资" in cases


def test_table_exports_open_in_excel(client, f, history):
    sign_in(client, staff(f, "city_staff"))
    response = client.get(f"/dashboard/table.csv?by=district&{PERIOD}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="totals-371000-district-2024-01-01-2024-12-31.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["District", "Active members", "Members during the period", "New members"]
    assert rows[1][:4] == ["环翠区", "2", "3", "3"]
    total = next(r for r in rows if r[0] == "Total")
    assert total[:4] == ["Total", "3", "3", "3"]
    assert rows[-1][:3] == [
        "How the total relates to the rows",
        "distinct people, not the sum",
        "distinct people, not the sum",
    ]
    workbook = load_workbook(io.BytesIO(client.get(f"/dashboard/table.xlsx?by=district&{PERIOD}").get_data()))
    sheet = workbook.active
    assert sheet["A2"].value == "环翠区" and sheet["D2"].value == 3


def test_drill_down_exports_never_start_a_formula(client, f, history):
    sign_in(client, staff(f, "city_staff"))
    response = client.get(f"/dashboard/list.csv?metric=wage_cases_resolved&{PERIOD}")
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][1] == "'=拖欠工资"
    people = client.get(f"/dashboard/list.xlsx?metric=members_in_period&by=trade&key=木工&{PERIOD}")
    sheet = load_workbook(io.BytesIO(people.get_data())).active
    assert [c.value for c in sheet[2]][:3] == ["51**************1" + sheet["A2"].value[-1], "阿依古丽·买买提", "木工"]
    assert sheet.max_row == 2


def test_a_new_installation_without_any_data_shows_zeros(client, db_session):
    from projectunion.services import users

    viewer = users.create_user(db_session, None, username="first-viewer", password=PASSWORD, role="city_staff")
    sign_in(client, viewer)
    for page in ("/dashboard/", "/dashboard/table?by=district", "/dashboard/list?metric=active_members"):
        response = client.get(page)
        assert response.status_code == 200, page
    assert "Whole city" in text(client.get("/dashboard/"))
    empty = text(client.get("/dashboard/list?metric=active_members"))
    assert "Nothing is counted here for this area and period. Choose another area or other dates above." in empty
    assert "0–0 of 0" not in empty
