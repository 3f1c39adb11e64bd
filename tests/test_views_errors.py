"""Friendly error pages in the user's language, with the right status."""

from __future__ import annotations

import pytest
from flask import abort

from projectunion.exceptions import Conflict, InvalidTransition
from projectunion.permission_matrix import MATRIX, PUBLIC
from tests.views_support import sign_in, text


@pytest.fixture
def failing_routes(app, monkeypatch):
    def boom():
        raise RuntimeError("a bug")

    def too_many():
        abort(429)

    def conflict():
        raise Conflict("Someone else changed the same record at the same time; nothing was saved.")

    def refused():
        raise InvalidTransition("union", "found", "dissolved", [])

    app.add_url_rule("/test/boom", view_func=boom)
    app.add_url_rule("/test/429", view_func=too_many)
    app.add_url_rule("/test/409", view_func=conflict)
    app.add_url_rule("/test/refused", view_func=refused)
    for endpoint in ("boom", "too_many", "conflict", "refused"):
        monkeypatch.setitem(MATRIX, endpoint, PUBLIC)  # the permission gate serves only routes of the matrix
    return app


@pytest.mark.parametrize(
    ("path", "status", "title", "message"),
    [
        ("/no/such/page", 404, "Page not found", "This page does not exist, or it is not within your scope."),
        ("/test/boom", 500, "Something went wrong", "Something went wrong on our side. Please try again later."),
        ("/test/429", 429, "Too many requests", "Too many requests: please wait a minute and try again."),
        ("/test/409", 409, "Not possible right now", "Someone else changed the same record at the same time"),
        (
            "/test/refused",
            409,
            "Not possible right now",
            "“Found the union” is not possible while the union is “Dissolved”.",
        ),
    ],
)
def test_error_pages_say_what_happened(client, failing_routes, path, status, title, message):
    response = client.get(path + "?lang=en")
    assert response.status_code == status
    page = text(response)
    assert title in page and message in page
    assert "Traceback" not in page and "a bug" not in page


def test_error_pages_are_in_chinese_by_default(client, failing_routes):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)
    assert "Page not found" not in text(response)


def test_forbidden_page_for_a_signed_in_user(client, f):
    sign_in(client, f.user("officer"))
    response = client.get("/admin/users")
    assert response.status_code == 403
    page = text(response)
    assert "Not allowed" in page and "Your account is not allowed to see this page or do this." in page
    assert "Back to the start page" in page
