"""Languages: the Chinese catalogue is complete, pages in Chinese show no English, dates follow the locale."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.views_support import CATALOGUE, sign_in, text

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
METHODS = [("projectunion/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "lazy_text": None}


@pytest.fixture(scope="module")
def catalogue():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        return read_po(fh, locale="zh_Hans_CN")


def test_every_message_has_a_chinese_translation(catalogue):
    missing = [m.id for m in catalogue if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert missing == []
    assert [m.id for m in catalogue if m.id and m.fuzzy] == []


def test_every_string_in_the_code_and_templates_is_in_the_catalogue(catalogue):
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        extracted.add(message[0] if isinstance(message, tuple) else message)
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}
    assert sorted(extracted - known) == []


def test_translations_keep_the_placeholders(catalogue):
    wrong = []
    for m in catalogue:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) - wanted or (len(ids) == 1 and set(PLACEHOLDER.findall(s)) != wanted):
                wrong.append(ids[0])
    assert wrong == []


HAN = "\u4e00-\u9fff"


def test_chinese_reads_without_stray_spaces_or_ascii_colons(catalogue):
    """No space between two Chinese characters ("我的 接口令牌") and no ASCII colon after one."""
    odd = re.compile(f"[{HAN}] +[{HAN}]|[{HAN}]: ")
    wrong = []
    for m in catalogue:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wrong += [s for s in strings if s and odd.search(s)]
    assert wrong == []


@pytest.fixture
def site(f):
    """A little of everything, with Chinese data, so that any English left on a page is the UI's."""
    regional = f.regional_union(name="羊亭镇区域工会")
    union = f.active_union(members=3)
    company = f.contractor()
    union.project.general_contractor_id = company.id
    f.session.commit()
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    done = f.active_union(members=2)
    f.fire(done.project, "complete", on=dt.date(2024, 9, 1))
    f.fire(done, "dissolve", on=dt.date(2024, 9, 30), successor_union_id=regional.id)
    worker = f.memberships_of(done.chair.worker)[0].worker
    from projectunion.services import service_records, wage_cases

    case = wage_cases.open_wage_case(
        f.session,
        f.admin,
        union,
        summary="拖欠工资",
        amount_claimed="1000",
        worker_ids=[worker.id],
        opened_on=dt.date(2024, 9, 2),
    )
    service_records.record_service(
        f.session, f.admin, regional, kind="training", worker=worker, served_on=dt.date(2024, 10, 1)
    )
    return {"union": union, "done": done, "regional": regional, "worker": worker, "case": case}


ENGLISH = re.compile(r"[A-Za-z]{3,}")


def english_words(page: str, allowed: set[str]) -> set[str]:
    return {w for w in ENGLISH.findall(page) if w not in allowed}


def test_pages_in_chinese_show_no_english(client, f, site):
    admin = f.admin
    sign_in(client, admin, locale="zh_Hans_CN")
    allowed = {"English", *ENGLISH.findall(admin.username)}
    union, done, worker, case = site["union"], site["done"], site["worker"], site["case"]
    pages = [
        "/",
        "/help",
        "/account",
        "/projects/",
        "/projects/new",
        f"/projects/{union.project_id}",
        f"/projects/{union.project_id}/edit",
        f"/projects/{done.project_id}",
        "/unions",
        "/unions/new",
        f"/unions/{union.id}",
        f"/unions/{union.id}?tab=pending",
        f"/unions/{done.id}?tab=ended",
        f"/unions/{site['regional'].id}",
        f"/unions/{site['regional'].id}/enroll",
        f"/unions/{union.id}/dissolve",
        f"/unions/{done.id}/dissolve",
        f"/unions/{site['regional'].id}/events/suspend",
        f"/memberships/{union.chair_membership_id}/end",
        f"/memberships/{union.chair_membership_id}/transfer",
        "/workers/",
        f"/workers/{worker.id}",
        f"/workers/{worker.id}/contact",
        "/wage-cases",
        f"/wage-cases/{case.id}",
        f"/wage-cases/new?union_id={site['regional'].id}",
        f"/wage-cases/{case.id}/events/resolve",
        "/services",
        f"/services/new?worker_id={worker.id}",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{admin.id}",
        "/no/such/page",
    ]
    leftovers = {}
    for path in pages:
        response = client.get(path, follow_redirects=True)
        words = english_words(text(response), allowed)
        if words:
            leftovers[path] = sorted(words)
    assert leftovers == {}


def test_form_errors_and_flashes_in_chinese(client, f, site):
    sign_in(client, f.admin, locale="zh_Hans_CN")
    response = client.post(
        f"/unions/{site['regional'].id}/enroll",
        data={"name": "", "id_number": "123", "phone": "1", "joined_on": "2024-03-05"},
    )
    page = text(response)
    assert english_words(page, {"English", "admin"}) == set()
    assert "身份证号" in page


def test_dates_follow_the_language(client, f, site):
    union = site["union"]
    sign_in(client, f.admin, locale="zh_Hans_CN")
    assert "2024年9月1日" in text(client.get(f"/projects/{union.project_id}"))
    client.post("/language", data={"locale": "en", "next": "/"})
    assert "Sep 1, 2024" in text(client.get(f"/projects/{union.project_id}"))


def test_switching_to_english_and_back(client, f, site):
    sign_in(client, f.admin, locale="zh_Hans_CN")
    home = client.get("/")
    assert '<html lang="zh-CN">' in home.get_data(as_text=True)
    response = client.post("/language", data={"locale": "en", "next": "/unions"}, follow_redirects=True)
    assert '<html lang="en">' in response.get_data(as_text=True) and "Unions" in text(response)
    response = client.post("/language", data={"locale": "zh_Hans_CN", "next": "/unions"}, follow_redirects=True)
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)
    assert english_words(text(response), {"English", *ENGLISH.findall(f.admin.username)}) == set()
