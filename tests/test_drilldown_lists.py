"""The drill-down lists of the dashboard and of the survey: each person, union, case and site links to its
page for a user who may open it (plain text otherwise), and every column sorts the whole list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from projectunion.dates import today
from projectunion.models import Worker
from projectunion.realname import PROVINCES
from projectunion.services import crews, service_records, site_entries, wage_cases
from tests.factories import id_number
from tests.views_support import sign_in, text

D = dt.date
PERIOD = "from=2024-01-01&to=2024-12-31&as_of=2025-01-31"
UNION_STATES = ["Preparing", "Active", "Suspended", "Dissolving", "Dissolved"]
PROJECT_STATES = ["Planned", "Under construction", "Halted", "Completed", "Cancelled"]
PROVINCE_CODES = {name: code for code, name in PROVINCES.items()}


class ListPage(HTMLParser):
    """The list's headers (column name from the sort link, label, aria-sort, arrow) and its rows,
    each cell by its ``data-label`` as (text, link)."""

    def __init__(self, body: str):
        super().__init__()
        self.headers: list[dict] = []
        self.rows: list[dict[str, tuple[str, str | None]]] = []
        self._in_list = self._in_body = False
        self._cell: dict | None = None
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "dash-list" in (a.get("class") or ""):
            self._in_list = True
        if not self._in_list:
            return
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append({})
        elif tag in ("th", "td"):
            self._cell = {"text": "", "href": None, "label": a.get("data-label"), "aria-sort": a.get("aria-sort")}
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = a["href"]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_list = False
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("th", "td") and self._cell is not None:
            cell, self._cell = self._cell, None
            text = " ".join(cell["text"].split())
            if tag == "th":
                query = parse_qs(urlsplit(cell["href"]).query)
                arrow = text[-1]
                self.headers.append(
                    {"name": query["sort"][0], "dir": query["dir"][0], "label": text[:-1],
                     "aria-sort": cell["aria-sort"], "arrow": arrow, "query": query}
                )  # fmt: skip
            elif cell["label"] is not None:
                self.rows[-1][cell["label"]] = (text, cell["href"])


def get_list(client, url: str) -> ListPage:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return ListPage(response.get_data(as_text=True))


def every_row(client, url: str, per_page: int) -> tuple[list[ListPage], list[dict]]:
    """All the pages of a list (the page count from its "1–2 of 5"), and their rows in order."""
    first = client.get(url)
    total = int(re.search(r"–\d+ of (\d+)", text(first)).group(1))
    pages = [ListPage(first.get_data(as_text=True))]
    pages += [get_list(client, f"{url}&page={n}") for n in range(2, -(-total // per_page) + 1)]
    rows = [r for p in pages for r in p.rows]
    assert len(rows) == total
    return pages, rows


def sort_value(name: str, text: str, survey: bool = False):
    """What a column sorts by, read back from what it shows (None: empty, sorts last)."""
    if name == "pending":
        return 1 if text == "yes" else 0
    if text in ("—", "", "none"):
        return None
    if name == "origin":
        return PROVINCE_CODES[text]
    if name == "amount":
        return Decimal(text.replace(",", ""))
    if name in ("workers", "case", "days_since_start"):
        return int(text.replace(",", ""))
    if name == "state":
        return (PROJECT_STATES if survey else UNION_STATES).index(text)
    if name == "union_state":
        return UNION_STATES.index(text)
    if re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", text):  # a date as an English page shows it
        return dt.datetime.strptime(text, "%b %d, %Y").date()
    return text


def link_id(cell: tuple[str, str | None]) -> int:
    return int(cell[1].rstrip("/").split("/")[-1])


def assert_sorted_descending(rows, label: str, name: str, ident=None, survey: bool = False):
    """Values from the largest down, empty ones last; rows sharing a value in ascending ``ident`` order."""
    values = [sort_value(name, r[label][0], survey) for r in rows]
    shown = [v for v in values if v is not None]
    assert values == shown + [None] * (len(values) - len(shown)), (name, values)
    assert shown == sorted(shown, reverse=True), (name, values)
    if ident is not None:
        for before, after in zip(rows, rows[1:], strict=False):
            if sort_value(name, before[label][0], survey) == sort_value(name, after[label][0], survey):
                assert ident(before) < ident(after), (name, before, after)


# -- the dashboard ------------------------------------------------------------------


@pytest.fixture
def city(f, db_session):
    """Three founded project unions (two in 环翠区, one in 文登区), five members of several origins, trades
    and days, three wage cases resolved (two recovering the same amount), three hardship aids."""
    a = f.started_union(on=D(2024, 3, 1), name="乙安置房")
    b = f.started_union(on=D(2024, 3, 5), town=f.wendeng_town, name="甲学校")
    c = f.started_union(on=D(2024, 4, 1), name="丙医院")
    people = {}
    for n, (union, name, region, trade, on) in enumerate(
        [
            (a, "赵一", "510104", "木工", D(2024, 3, 2)),
            (a, "钱二", "411502", None, D(2024, 5, 2)),
            (b, "孙三", "371002", "钢筋工", D(2024, 3, 6)),
            (b, "李四", "510104", "木工", D(2024, 3, 6)),
            (c, "周五", "411502", "电工", D(2024, 4, 2)),
        ]
    ):
        people[name] = f.enroll(union, on=on, id_number=id_number(region, seq=300 + n), name=name, trade=trade)
    for union, chair, on in ((a, "赵一", D(2024, 3, 3)), (b, "孙三", D(2024, 3, 7)), (c, "周五", D(2024, 4, 3))):
        f.fire(union, "found", on=on, chair_membership_id=people[chair].id)
    cases = []
    for union, who, amount, resolved in (
        (a, ["赵一"], "100.00", D(2024, 6, 1)),
        (b, ["孙三", "李四"], "4800.50", D(2024, 7, 1)),
        (c, ["周五"], "100.00", D(2024, 5, 1)),
    ):
        case = wage_cases.open_wage_case(
            db_session, f.admin, union, summary=f"拖欠工资{len(cases)}", amount_claimed="5000",
            worker_ids=[people[w].worker_id for w in who], opened_on=D(2024, 4, 20),
        )  # fmt: skip
        f.fire(case, "mediate", on=D(2024, 4, 21))
        f.fire(case, "resolve", on=resolved, amount_recovered=amount)
        cases.append(case)
    for union, who, amount, on in ((a, "赵一", "300", D(2024, 5, 1)), (b, "李四", "50", D(2024, 6, 1)),
                                   (c, "周五", "300", D(2024, 5, 1))):  # fmt: skip
        service_records.record_service(
            db_session, f.admin, union, kind="hardship_aid", worker=people[who].worker, served_on=on, amount=amount
        )
    return {"unions": (a, b, c), "people": people, "cases": cases}


#: Each kind of list, the metric behind it, and what identifies a row (ties break by it).
DASHBOARD_LISTS = {
    "new_members": lambda r: link_id(r["Name"]),
    "unions_founded": lambda r: link_id(r["Union"]),
    "wage_cases_resolved": lambda r: int(r["Case no."][0]),
    "services.hardship_aid.person_times": None,  # a service record's id is not shown
}


@pytest.mark.parametrize("metric", list(DASHBOARD_LISTS))
def test_every_column_sorts_the_whole_list_descending_across_pages(client, f, city, app, metric):
    app.config["PAGE_SIZE"] = 2
    sign_in(client, f.user("city_staff"))
    base = f"/dashboard/list?metric={metric}&{PERIOD}"
    pages, default = every_row(client, base, 2)
    assert len(pages) >= 2
    for header in pages[0].headers:
        name, label = header["name"], header["label"]
        pages, rows = every_row(client, f"{base}&sort={name}&dir=desc", 2)
        sorted_by = next(h for h in pages[0].headers if h["name"] == name)
        assert (sorted_by["aria-sort"], sorted_by["arrow"]) == ("descending", "▼"), name
        assert sorted_by["dir"] == "asc"  # clicking it again sorts the other way
        assert sorted(map(str, rows)) == sorted(map(str, default)), name  # every row once, none twice
        assert_sorted_descending(rows, label, name, DASHBOARD_LISTS[metric])


def test_sorting_by_money_and_dates_and_breaking_ties_by_id(client, f, city):
    sign_in(client, f.user("city_staff"))
    page = get_list(client, f"/dashboard/list?metric=wage_cases_resolved&sort=amount&dir=desc&{PERIOD}")
    first, tied_a, tied_c = (c.id for c in city["cases"][1:2] + sorted(city["cases"][::2], key=lambda c: c.id))
    assert [int(r["Case no."][0]) for r in page.rows] == [first, tied_a, tied_c]
    assert [r["Wages recovered (yuan)"][0] for r in page.rows] == ["4,800.50", "100.00", "100.00"]
    ascending = get_list(client, f"/dashboard/list?metric=wage_cases_resolved&sort=amount&dir=asc&{PERIOD}")
    assert [int(r["Case no."][0]) for r in ascending.rows] == [tied_a, tied_c, first]  # ties keep the id order
    by_day = get_list(client, f"/dashboard/list?metric=new_members&sort=date&dir=asc&{PERIOD}")
    assert [r["Name"][0] for r in by_day.rows][:1] == ["赵一"] and by_day.rows[-1]["Name"][0] == "钱二"


def test_an_unknown_or_hidden_sort_is_ignored(client, f, city):
    sign_in(client, f.user("city_staff"))
    default = get_list(client, f"/dashboard/list?metric=new_members&{PERIOD}")
    assert [r["Name"][0] for r in default.rows] == sorted(r["Name"][0] for r in default.rows)
    name = next(h for h in default.headers if h["name"] == "name")
    assert name["aria-sort"] == "ascending"  # the default order is shown as what it is
    for args in ("sort=id_number&dir=desc", "sort=phone&dir=desc", "sort=worker_id&dir=desc", "sort=&dir=up",
                 "sort=name%27%3B--&dir=desc"):  # fmt: skip
        page = get_list(client, f"/dashboard/list?metric=new_members&{args}&{PERIOD}")
        assert page.rows == default.rows, args
    survey = client.get("/survey/list?metric=workers_on_site&sort=id_number&dir=desc")
    assert survey.status_code == 200


def test_a_header_link_keeps_the_filters_and_starts_from_the_first_page(client, f, city, app):
    app.config["PAGE_SIZE"] = 2
    sign_in(client, f.user("city_staff"))
    page = get_list(client, f"/dashboard/list?metric=new_members&jurisdiction=371002&page=2&{PERIOD}")
    trade = next(h for h in page.headers if h["name"] == "trade")
    assert {k: v[0] for k, v in trade["query"].items()} == {
        "metric": "new_members", "jurisdiction": "371002", "from": "2024-01-01",
        "to": "2024-12-31", "as_of": "2025-01-31", "sort": "trade", "dir": "asc",
    }  # fmt: skip


def test_list_dates_read_as_the_language_shows_dates_and_exports_stay_iso(client, f, city):
    sign_in(client, f.user("city_staff"), locale="zh_Hans_CN")
    page = get_list(client, f"/dashboard/list?metric=new_members&sort=date&dir=asc&{PERIOD}")
    (day_column,) = [label for label in page.rows[0] if "入会" in label]
    first = page.rows[0][day_column][0]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", first), first
    exported = client.get(f"/dashboard/list.csv?metric=new_members&sort=date&dir=asc&{PERIOD}")
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    year, month, day = (int(n) for n in re.findall(r"\d+", first))
    assert rows[1][-1] == dt.date(year, month, day).isoformat()


def test_exports_follow_the_order_of_the_page(client, f, city):
    sign_in(client, f.user("city_staff"))
    page = get_list(client, f"/dashboard/list?metric=new_members&sort=origin&dir=desc&{PERIOD}")
    response = client.get(f"/dashboard/list.csv?metric=new_members&sort=origin&dir=desc&{PERIOD}")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["ID number", "Name", "Trade", "Origin province", "Union", "Jurisdiction", "Joined on"]
    assert [r[1] for r in rows[1:]] == [r["Name"][0] for r in page.rows]
    assert [r[3] for r in rows[1:]][:2] == ["四川省", "四川省"]
    assert not any(str(p.worker_id) in r for p in city["people"].values() for r in rows[1:])  # no id column
    body = client.get(f"/dashboard/list?metric=new_members&sort=origin&dir=desc&{PERIOD}").get_data(as_text=True)
    assert "list.csv?" in body and "sort=origin&amp;dir=desc" in body.split("list.csv?")[1].split('"')[0]


def test_city_staff_open_each_person_union_project_and_case_from_the_lists(client, f, city, db_session):
    sign_in(client, f.user("city_staff"))
    people = get_list(client, f"/dashboard/list?metric=new_members&{PERIOD}").rows
    zhao = next(r for r in people if r["Name"][0] == "赵一")
    worker = city["people"]["赵一"].worker_id
    assert zhao["Name"][1] == f"/workers/{worker}"
    assert zhao["Union"][1] == f"/unions/{city['unions'][0].id}"
    assert zhao["ID number"][1] is None and zhao["Jurisdiction"][1] is None  # only the pages there are
    assert "赵一" in client.get(zhao["Name"][1]).get_data(as_text=True)
    unions = get_list(client, f"/dashboard/list?metric=unions_founded&{PERIOD}").rows
    a = city["unions"][0]
    row = next(r for r in unions if r["Union"][0] == a.name)
    assert row["Project"][1] == f"/projects/{a.project_id}"
    assert row["State after the change"] == ("Active", None)
    cases = get_list(client, f"/dashboard/list?metric=wage_cases_resolved&{PERIOD}").rows
    assert {r["Case no."][1] for r in cases} == {f"/wage-cases/{c.id}" for c in city["cases"]}
    aid = get_list(client, f"/dashboard/list?metric=services.hardship_aid.person_times&{PERIOD}").rows
    assert {r["Name"][1] for r in aid} == {f"/workers/{city['people'][n].worker_id}" for n in ("赵一", "李四", "周五")}


def test_district_staff_see_their_district_linked(client, f, city):
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    people = get_list(client, f"/dashboard/list?metric=new_members&{PERIOD}").rows
    assert {r["Name"][0] for r in people} == {"赵一", "钱二", "周五"}
    assert all(r["Name"][1].startswith("/workers/") and r["Union"][1].startswith("/unions/") for r in people)


def test_a_page_of_fifty_rows_asks_for_the_links_in_a_few_queries(client, f, db_session, app):
    """The links of a whole page are asked once per kind of page, not once per row."""
    union = f.started_union(on=D(2024, 3, 1))
    for n in range(60):
        f.enroll(union, on=D(2024, 3, 2), id_number=id_number("510104", seq=400 + n))
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    statements: list[str] = []
    engine = db_session.get_bind().engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        page = get_list(client, f"/dashboard/list?metric=new_members&{PERIOD}")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(page.rows) == 50 and all(r["Name"][1] for r in page.rows)
    assert len(statements) <= 10, len(statements)  # one per row would be 50 more


# -- the survey -----------------------------------------------------------------------


@pytest.fixture
def sites(f, db_session):
    """羊亭安置房 (环翠区) started 40 days ago, not founded, a crew of three on it, one of whom (王五) is a
    member in 文登区; 文登学校 founded, a crew of two on it, one a member there."""
    started = today() - dt.timedelta(days=40)
    yangting = f.project(registered_on=started - dt.timedelta(days=10), name="羊亭安置房")
    f.fire(yangting, "start", on=started)
    wendeng = f.started_union(on=started - dt.timedelta(days=5), registered_on=started - dt.timedelta(days=5),
                              town=f.wendeng_town, name="文登学校")  # fmt: skip
    company = f.contractor("鲁东劳务")
    boss = f.user("contractor", contractor=company)
    ids = {}
    for crew_name, project, people, entered in (
        ("钢筋一班", yangting, ("张三", "李四", "王五"), started + dt.timedelta(days=2)),
        ("木工二班", wendeng.project, ("赵六", "钱七"), started),
    ):
        crew = crews.create_crew(db_session, boss, company, name=crew_name, created_on=started - dt.timedelta(days=5))
        for name in people:
            ids[name] = id_number("371002", seq=700 + len(ids))
            crews.add_member(db_session, boss, crew, id_number=ids[name], name=name, trade="钢筋工",
                             joined_on=started - dt.timedelta(days=5))  # fmt: skip
        site_entries.enter_site(db_session, boss, project, crew=crew, entered_on=entered)
    chair = f.enroll(wendeng, on=started, id_number=ids["赵六"], name="赵六")
    f.fire(wendeng, "found", on=started, chair_membership_id=chair.id)
    f.enroll(wendeng, on=started, id_number=ids["王五"], name="王五")
    workers = {w.name: w for w in db_session.scalars(sa.select(Worker).where(Worker.name.in_(list(ids))))}
    return {"yangting": yangting, "wendeng": wendeng, "workers": workers}


def test_city_staff_open_each_person_site_and_union_from_the_survey_list(client, f, sites):
    sign_in(client, f.user("city_staff"))
    rows = get_list(client, "/survey/list?metric=workers_on_site").rows
    assert {r["Name"][0] for r in rows} == {"张三", "李四", "王五", "赵六", "钱七"}
    wang = next(r for r in rows if r["Name"][0] == "王五")
    assert wang["Name"][1] == f"/workers/{sites['workers']['王五'].id}"
    assert wang["Member of"] == (sites["wendeng"].name, f"/unions/{sites['wendeng'].id}")
    assert wang["Site"][1] == f"/survey/sites/{sites['yangting'].id}"
    assert client.get(wang["Site"][1]).status_code == 200
    site_rows = get_list(client, "/survey/list?metric=sites_under_construction").rows
    wendeng = next(r for r in site_rows if r["Site"][0] == "文登学校")
    assert wendeng["Union"][1] == f"/unions/{sites['wendeng'].id}"


def test_district_staff_get_no_link_to_people_and_unions_outside_their_district(client, f, sites):
    sign_in(client, f.user("union_staff", jurisdiction=f.huancui))
    rows = get_list(client, "/survey/list?metric=workers_on_site").rows
    assert {r["Name"][0] for r in rows} == {"张三", "李四", "王五"}  # only their district's site
    assert all(r["Name"][1] is None for r in rows)  # nobody here is a member of a union of 环翠区
    wang = next(r for r in rows if r["Name"][0] == "王五")
    assert wang["Member of"] == (sites["wendeng"].name, None)  # a union of 文登区
    assert wang["Site"][1] == f"/survey/sites/{sites['yangting'].id}"  # their own site's page
    body = client.get("/survey/list?metric=workers_on_site").get_data(as_text=True)
    assert f"/workers/{sites['workers']['王五'].id}" not in body and f"/unions/{sites['wendeng'].id}" not in body


@pytest.mark.parametrize("metric", ["workers_on_site", "sites_under_construction"])
def test_every_survey_column_sorts_the_whole_list_descending(client, f, sites, metric):
    sign_in(client, f.user("city_staff"))
    default = get_list(client, f"/survey/list?metric={metric}").rows
    assert len(default) >= 2
    for header in get_list(client, f"/survey/list?metric={metric}").headers:
        name, label = header["name"], header["label"]
        page = get_list(client, f"/survey/list?metric={metric}&sort={name}&dir=desc")
        sorted_by = next(h for h in page.headers if h["name"] == name)
        assert (sorted_by["aria-sort"], sorted_by["arrow"]) == ("descending", "▼"), name
        assert sorted(map(str, page.rows)) == sorted(map(str, default)), name
        assert_sorted_descending(page.rows, label, name, survey=True)
    export = client.get(f"/survey/list.csv?metric={metric}&sort=name&dir=desc" if metric == "workers_on_site"
                        else f"/survey/list.csv?metric={metric}&sort=project&dir=desc")  # fmt: skip
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    column = 1 if metric == "workers_on_site" else 0
    assert [r[column] for r in rows[1:]] == sorted((r[column] for r in rows[1:]), reverse=True)


def test_sorting_the_survey_by_days_since_start_runs_against_the_start_day(client, f, sites):
    sign_in(client, f.user("city_staff"))
    page = get_list(client, "/survey/list?metric=sites_under_construction&sort=days_since_start&dir=desc")
    assert [r["Site"][0] for r in page.rows] == ["文登学校", "羊亭安置房"]  # started 45, then 40 days ago
    page = get_list(client, "/survey/list?metric=sites_under_construction&sort=started_on&dir=desc")
    assert [r["Site"][0] for r in page.rows] == ["羊亭安置房", "文登学校"]
