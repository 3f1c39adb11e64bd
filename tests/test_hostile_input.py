"""HTML typed into any parameter or file cell comes back as text, never as markup."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from projectunion.services import crews
from tests.factories import roster_person, roster_xlsx
from tests.views_support import sign_in

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PARAMETERS = (
    "jurisdiction", "from", "to", "as_of", "metric", "by", "section", "q", "page", "state", "tab", "kind",
    "role", "key", "received", "union_id", "worker_id", "contractor", "year", "lang", "next",
)  # fmt: skip


def _get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        values = {arg: _sample(rule._converters[arg]) for arg in rule.arguments}
        yield rule, values


def _sample(converter):
    """A value the route accepts where it takes a number or a choice, the payload where it takes text."""
    if hasattr(converter, "items"):
        return sorted(converter.items)[0]
    return 1 if type(converter).__name__ == "IntegerConverter" else PAYLOAD


def _raw(body: bytes) -> bool:
    text = body.decode("utf-8", "replace")
    return "<script>alert" in text or "<img src=x" in text


@pytest.mark.parametrize("role", ["admin", "city_staff", "union_staff", "officer", "contractor"])
def test_html_in_every_parameter_of_every_page_is_never_rendered_as_markup(app, client, f, role):
    kwargs = {"jurisdiction": f.city} if role in ("union_staff", "officer") else {}
    if role == "contractor":
        kwargs["contractor"] = f.contractor()
    sign_in(client, f.user(role, **kwargs))
    query = dict.fromkeys(PARAMETERS, PAYLOAD)
    leaks = []
    with app.test_request_context():
        from flask import url_for

        urls = [url_for(rule.endpoint, **values) for rule, values in _get_routes(app)]
    for url in urls:
        if url.startswith("/sign-out"):
            continue
        for params in (query, {"q": PAYLOAD}):
            response = client.get(url, query_string=params)
            assert response.status_code < 500, (url, params, response.status_code)
            if _raw(response.data):
                leaks.append((url, sorted(params)[:3]))
    assert leaks == []


def test_dashboard_filter_errors_quote_the_value_escaped(client, f):
    sign_in(client, f.user("city_staff"))
    for path in ("/dashboard/", "/dashboard/table", "/dashboard/list", "/dashboard/table.csv", "/dashboard/list.csv"):
        for name in ("jurisdiction", "from", "to", "as_of"):
            response = client.get(path, query_string={name: PAYLOAD, "metric": "new_members"})
            assert not _raw(response.data), (path, name)


def test_html_in_a_roster_cell_is_shown_as_text_in_the_preview(client, db_session, f):
    company = f.contractor()
    boss = f.user("contractor", contractor=company)
    crew = crews.create_crew(db_session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
    sign_in(client, boss)
    row = roster_person(1)
    row[4] = PAYLOAD  # the site-entry date column
    bad_name = roster_person(2, name=PAYLOAD)
    response = client.post(
        f"/crews/{crew.id}/roster",
        data={"file": (io.BytesIO(roster_xlsx([row, bad_name])), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert not _raw(response.data)
    assert "&lt;script&gt;" in response.get_data(as_text=True) or "&lt;img" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/\nenv", "/%0Aenv", "/\r\nSet-Cookie: x=1", "/\\\\evil.example", "//evil.example"])
def test_a_next_with_a_line_break_or_another_site_goes_home_instead(client, f, target):
    for response in (
        client.post("/language", data={"locale": "en", "next": target}),
        client.post("/sign-in", query_string={"next": target}, data={"username": "nobody", "password": "x"}),
    ):
        assert response.status_code in (200, 302)
        assert "evil" not in response.headers.get("Location", "") and "\n" not in response.headers.get("Location", "")
    user = f.user("officer", jurisdiction=f.city)
    response = sign_in(client, user)
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"username": user.username, "password": "correct horse battery"}
    )
    assert response.status_code == 302 and response.headers["Location"] in ("/", "http://localhost/")
