"""Every answer carries the security headers; no page needs inline script or style, so the policy can forbid them."""

from __future__ import annotations

import re

import pytest

from projectunion.security_headers import CONTENT_SECURITY_POLICY
from tests.views_support import sign_in

INLINE = re.compile(r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)", re.I)


def _sample(converter, name: str, ids: dict[str, int]):
    if hasattr(converter, "items"):
        return sorted(converter.items)[0]
    return ids.get(name, 1) if type(converter).__name__ == "IntegerConverter" else "x"


def _urls(app, ids: dict[str, int]):
    from flask import url_for

    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and rule.endpoint != "static" and "/sign-out" not in rule.rule:
                yield url_for(rule.endpoint, **{a: _sample(rule._converters[a], a, ids) for a in rule.arguments})


@pytest.fixture
def ids(f, db_session, admin_user):
    """One of each object, so the pages that show them are walked with content, diagrams and charts."""
    import datetime as dt

    from projectunion.services import crews

    union = f.active_union(members=1)
    membership = f.enroll(union)
    company = f.contractor()
    crew = crews.create_crew(db_session, admin_user, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
    return {
        "union_id": union.id,
        "project_id": union.project_id,
        "membership_id": membership.id,
        "worker_id": membership.worker_id,
        "contractor_id": company.id,
        "crew_id": crew.id,
        "user_id": admin_user.id,
    }


@pytest.fixture
def admin_user(f):
    return f.admin


@pytest.mark.parametrize("role", [None, "admin", "officer", "contractor"])
def test_every_route_sends_the_headers_and_no_inline_script_or_style(app, client, f, ids, admin_user, role):
    if role == "admin":
        sign_in(client, admin_user)
    elif role is not None:
        kwargs = {"jurisdiction": f.city} if role == "officer" else {}
        if role == "contractor":
            kwargs["contractor"] = f.contractor()
        sign_in(client, f.user(role, **kwargs))
    inline = []
    for url in _urls(app, ids):
        response = client.get(url)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url
        assert headers["Cache-Control"] == "no-store", url
        assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS only over HTTPS
        if response.mimetype == "text/html" and INLINE.search(response.get_data(as_text=True)):
            inline.append((url, INLINE.search(response.get_data(as_text=True)).group(0)))
    assert inline == []


def test_static_files_stay_cacheable_and_https_gets_hsts(client):
    response = client.get("/static/app.css")
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()
    secure = client.get("/sign-in", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
