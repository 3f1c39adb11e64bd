"""The permission matrix is enforced on every request, before the view: a route without a row answers
404 to everyone, and a view that asks nothing is still refused what the matrix refuses.

The probes are test-only routes whose views ask no permission question, so whatever refuses is the
gate; their answers must be the pages and JSON errors the real views give.
"""

from __future__ import annotations

import logging

import pytest

from projectunion.api.schema import MAX_ID
from projectunion.permission_matrix import MATRIX, manages_union, sees
from tests.api_support import error
from tests.views_support import sign_in, text

RAN = "the view ran"


def _asks_nothing(union_id: int) -> str:
    return RAN


def refusal(response) -> str:
    """The error page's own words, from its status code on (the menu above marks the page's section)."""
    page = text(response)
    return page[page.index(f" {response.status_code} ") :]


@pytest.fixture
def other_union(f):
    """A project union in 文登 (another district): outside the officer's scope."""
    return f.started_union(town=f.wendeng_town)


@pytest.fixture
def probe(app, monkeypatch):
    """``probe(ask)``: /probe/unions/<id> and /api/v1/probe/unions/<id>, whose views ask nothing,
    with ``ask`` as their row of the matrix."""
    app.add_url_rule("/probe/unions/<int:union_id>", endpoint="probe", view_func=_asks_nothing)
    app.add_url_rule("/api/v1/probe/unions/<int:union_id>", endpoint="api.probe", view_func=_asks_nothing)

    def give(ask) -> None:
        monkeypatch.setitem(MATRIX, "probe", ask)
        monkeypatch.setitem(MATRIX, "api.probe", ask)

    return give


def test_a_route_missing_from_the_matrix_answers_404_even_for_an_administrator(app, client, f, as_user, caplog):
    app.add_url_rule("/unlisted", endpoint="unlisted", view_func=lambda: RAN)
    app.add_url_rule("/api/v1/unlisted", endpoint="api.unlisted", view_func=lambda: RAN)
    assert "unlisted" not in MATRIX
    sign_in(client, f.admin)
    not_found = refusal(client.get("/no-such-page"))  # the usual "page not found"
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        page = client.get("/unlisted")
        answer = as_user(f.admin).get("/unlisted")
    assert page.status_code == 404 and RAN not in page.get_data(as_text=True)
    assert refusal(page) == not_found
    assert answer.status_code == 404 and error(answer)["code"] == "not_found"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unlisted" in w and "permission matrix" in w for w in warnings), warnings
    assert any("api.unlisted" in w for w in warnings), warnings


def test_the_gate_alone_keeps_a_union_outside_the_scope_private(app, client, probe, officer, union, other_union):
    probe(sees("can_view_union", "union"))
    sign_in(client, officer)
    not_visible = refusal(client.get(f"/unions/{other_union.id}"))  # the union's own page, outside the scope
    mine = client.get(f"/probe/unions/{union.id}")
    assert mine.status_code == 200 and mine.get_data(as_text=True) == RAN
    elsewhere = client.get(f"/probe/unions/{other_union.id}")
    assert elsewhere.status_code == 404 and RAN not in elsewhere.get_data(as_text=True)
    assert refusal(elsewhere) == not_visible


def test_the_gate_alone_answers_the_api_as_the_api_does(probe, as_user, officer, union, other_union):
    probe(sees("can_view_union", "union"))
    api = as_user(officer)
    assert api.get(f"/probe/unions/{union.id}").get_data(as_text=True) == RAN
    elsewhere = api.get(f"/probe/unions/{other_union.id}")
    assert elsewhere.status_code == 404
    assert error(elsewhere) == error(api.get(f"/unions/{other_union.id}"))


def test_the_gate_refuses_an_action_on_a_visible_union_with_403(client, probe, f, as_user, officer, union):
    probe(manages_union())
    reader = f.user("city_staff")  # sees every union, changes none
    sign_in(client, reader)
    refused = client.get(f"/probe/unions/{union.id}")
    assert refused.status_code == 403 and "not allowed" in text(refused)
    assert error(as_user(reader).get(f"/probe/unions/{union.id}"))["code"] == "forbidden"
    sign_in(client, officer)
    assert client.get(f"/probe/unions/{union.id}").get_data(as_text=True) == RAN


@pytest.mark.parametrize("union_id", [MAX_ID, MAX_ID + 1])
def test_the_gate_answers_404_for_a_union_that_does_not_exist(client, probe, f, as_user, union_id):
    probe(sees("can_view_union", "union"))
    sign_in(client, f.admin)
    assert client.get(f"/probe/unions/{union_id}").status_code == 404
    assert client.get(f"/unions/{union_id}").status_code == 404  # beyond 32 bits: no database error (500)
    assert error(as_user(f.admin).get(f"/probe/unions/{union_id}"))["code"] == "not_found"


def test_the_gate_sends_the_signed_out_to_sign_in_and_asks_the_api_for_a_token(client, probe, union):
    probe(sees("can_view_union", "union"))
    page = client.get(f"/probe/unions/{union.id}")
    assert page.status_code == 302 and "/sign-in" in page.headers["Location"]
    answer = client.get(f"/api/v1/probe/unions/{union.id}")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert error(answer)["code"] == "unauthorized"


def test_the_refusal_follows_the_users_language(client, probe, officer, other_union):
    probe(sees("can_view_union", "union"))
    sign_in(client, officer, locale="zh_Hans_CN")
    page = client.get(f"/probe/unions/{other_union.id}")
    assert page.status_code == 404 and "页面不存在" in text(page)
