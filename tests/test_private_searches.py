"""Search boxes given an ID number or a phone (issue 12): the workers list, a union's roster and the
dissolution wizard. The number never reaches an address, a Location, a link on the page or an access
log line (gunicorn's format and the werkzeug dev server's request line); the results are right, and
pagination, tabs and reloading work with the search kept under a short key."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from projectunion.server import ACCESS_LOG_FORMAT
from tests.factories import id_number
from tests.views_support import flashes, sign_in, text

NUMBER = id_number(seq=611, birth=dt.date(1979, 4, 5))
PHONE = "13900000611"
TYPED = {"ID number": NUMBER, "phone": "139 0000 0611"}


class Recorder:
    """Every request the app answers, as the access logs would write it."""

    def __init__(self, app):
        self.wsgi_app, self.lines, self.locations = app.wsgi_app, [], []
        self.gunicorn = Logger(Config())
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            uri = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
            # werkzeug's dev server logs the request line as it came: method, path with query, protocol
            self.lines.append(f'"{environ["REQUEST_METHOD"]} {uri} {environ["SERVER_PROTOCOL"]}" {status[:3]}')
            resp = SimpleNamespace(status=status, headers=headers, sent=0)
            atoms = self.gunicorn.atoms(resp, [], {**environ, "RAW_URI": uri}, dt.timedelta(milliseconds=3))
            self.lines.append(ACCESS_LOG_FORMAT % atoms)
            self.locations += [value for name, value in headers if name.lower() == "location"]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def leaks(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return any(secret in value or quote(secret) in value or secret in digits for secret in (NUMBER, PHONE))


def links(response) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', response.get_data(as_text=True))


@pytest.fixture
def recorder(app):
    return Recorder(app)


@pytest.fixture
def site(f, union):
    """卫五 (the number and phone above) and two others whose names share 卫, in one union."""
    wei = f.enroll(union, id_number=NUMBER, name="卫五", phone=PHONE)
    f.enroll(union, name="卫六", phone="13900000622")
    f.enroll(union, name="卫七")
    return wei


def _assert_nothing_leaked(recorder, responses):
    assert recorder.lines and not [line for line in recorder.lines if leaks(line)]
    assert not [location for location in recorder.locations if leaks(location)]
    for response in responses:
        assert not [link for link in links(response) if leaks(link)], response.request.url


@pytest.mark.parametrize("kind", TYPED)
@pytest.mark.parametrize("path", ["/workers/", "/unions/{union}"])
def test_a_search_by_id_number_or_phone_finds_the_worker_and_no_address_or_log_holds_it(
    client, f, union, site, officer, recorder, path, kind
):
    sign_in(client, officer)
    url = path.format(union=union.id)
    response = client.post(url, data={"q": TYPED[kind]}, follow_redirects=True)
    page = text(response)
    assert response.status_code == 200 and "卫五" in page and "卫六" not in page and "卫七" not in page
    assert re.search(r"[?&]s=[\w-]{8}", response.request.url)
    assert response.headers["Cache-Control"] == "no-store"  # the box holds the number: no cache keeps it
    again = client.get(response.request.url)  # reload, or back: a GET, no form to resubmit
    assert "卫五" in text(again) and "卫六" not in text(again)
    _assert_nothing_leaked(recorder, [response, again])


@pytest.mark.parametrize("path", ["/workers/", "/unions/{union}"])
def test_a_number_typed_into_the_address_is_not_searched_nor_repeated(client, union, site, officer, recorder, path):
    sign_in(client, officer)
    url = path.format(union=union.id)
    for q in TYPED.values():
        response = client.get(url, query_string={"q": q})
        assert response.status_code == 302 and not leaks(response.location) and "s=" not in response.location
        answer = client.get(response.location)
        assert "with the search box: it is not sent in the address" in " ".join(flashes(answer))
    # what the address held has reached the log already; nothing the app answered repeats it
    assert recorder.locations and not [location for location in recorder.locations if leaks(location)]


def test_page_two_and_the_tabs_keep_a_posted_search(client, app, f, union, site, officer):
    app.config["PAGE_SIZE"] = 2
    sign_in(client, officer)
    for path in ("/workers/", f"/unions/{union.id}"):
        first = client.post(path, data={"q": "卫"}, follow_redirects=True)
        assert "卫" not in first.request.url
        (second_page,) = re.findall(r'href="([^"]*page=2[^"]*)"', first.get_data(as_text=True))[:1]
        assert "s=" in second_page
        second = text(client.get(second_page.replace("&amp;", "&")))
        shown = {n for n in ("卫五", "卫六", "卫七") if n in text(first)}
        assert (
            len(shown) == 2 and {n for n in ("卫五", "卫六", "卫七") if n in second} == {"卫五", "卫六", "卫七"} - shown
        )
        assert "of 3" in second
    roster = client.post(f"/unions/{union.id}", data={"q": PHONE}, follow_redirects=True)
    (pending,) = [h for h in links(roster) if "tab=pending" in h and h.endswith("#roster")]
    assert "s=" in pending
    tab = client.get(pending.replace("&amp;", "&"))
    assert f'value="{PHONE}"' in tab.get_data(as_text=True)  # the pending tab searches the same phone
    assert "卫五" not in text(tab)  # 卫五 is an active member, not an applicant


def test_a_search_kept_under_a_key_expires_with_a_message(client, union, site, officer):
    sign_in(client, officer)
    response = client.get("/workers/", query_string={"s": "unknown1"})
    assert response.status_code == 302 and "s=" not in response.location
    assert "This search has expired. Search again." in flashes(client.get(response.location))
    # another browser (no session) cannot replay a key
    found = client.post("/workers/", data={"q": PHONE}, follow_redirects=True)
    client.delete_cookie("session")
    sign_in(client, officer)
    assert client.get(found.request.url).status_code == 302


def test_the_session_cookie_holds_the_term_only_encrypted(client, union, site, officer):
    import base64
    import zlib

    sign_in(client, officer)
    client.post("/workers/", data={"q": PHONE})
    cookie = client.get_cookie("session").value
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    decoded = zlib.decompress(raw) if cookie.startswith(".") else raw
    assert b"searches" in decoded and PHONE.encode() not in decoded and NUMBER.encode() not in decoded


def test_the_dissolution_wizard_finds_a_member_by_full_number_or_phone_through_the_form_only(
    client, f, union, site, officer, recorder, monkeypatch
):
    from projectunion.unions import dissolution

    monkeypatch.setattr(dissolution, "SHOWN", 1)  # a large union: members are listed after a search
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    regional = f.regional_union(name="羊亭镇区域工会")
    sign_in(client, officer)
    answers = []
    for q in TYPED.values():
        answer = client.post(
            f"/unions/{union.id}/dissolve",
            data={"successor_union_id": str(regional.id), "on": "2024-09-30", "action": "search", "q": q},
        )
        page = text(answer)
        assert page.count("Decide for this member") == 1 and "卫五" in page and "卫六" not in page
        answers.append(answer)
    _assert_nothing_leaked(recorder, answers)


def test_markup_in_a_posted_search_is_shown_as_text(client, union, site, officer):
    sign_in(client, officer)
    payload = '"><script>alert("x")</script>'
    for path in ("/workers/", f"/unions/{union.id}"):
        body = client.post(path, data={"q": payload}, follow_redirects=True).get_data(as_text=True)
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body


def test_a_search_too_long_is_refused_with_a_message(client, union, site, officer):
    sign_in(client, officer)
    response = client.post(f"/unions/{union.id}", data={"q": "卫" * 61}, follow_redirects=True)
    assert response.status_code == 200 and "s=" not in response.request.url
    assert any("60" in message for message in flashes(response))
