"""Helpers shared by the web UI's view tests: signing in, the compiled catalogue, reading pages."""

from __future__ import annotations

import html
import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PASSWORD = "correct horse battery"  # what tests.factories gives every user
CATALOGUE = Path(__file__).resolve().parent.parent / "projectunion" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"


def compile_catalogue() -> None:
    """What `make translations` does: the app reads the compiled .mo, not the .po."""
    po, mo = CATALOGUE / "messages.po", CATALOGUE / "messages.mo"
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans_CN")
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as fh:
        write_mo(fh, catalog)
    tmp.replace(mo)


def forget_signed_in_user() -> None:
    """Tests share one app context with their requests; Flask-Login caches the user in ``g``."""
    from flask import g

    g.pop("_login_user", None)


def sign_in(client, user, password: str = PASSWORD, locale: str | None = "en"):
    """Sign in; by default the user reads English, so tests can assert the source strings."""
    if locale is not None and user.locale != locale:
        from projectunion.db import get_session

        user.locale = locale
        get_session().commit()
    client.delete_cookie("session")  # whoever was signed in before
    forget_signed_in_user()
    response = client.post("/sign-in", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


compile_catalogue()


def text(response) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def flashes(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [
        re.sub(r"\s+", " ", html.unescape(m)).strip()
        for m in re.findall(r'<li class="flash[^"]*">(.*?)</li>', body, re.S)
    ]


def field_errors(response) -> list[str]:
    body = response.get_data(as_text=True)
    errors = re.findall(r'<ul class="errors">(.*?)</ul>', body, re.S) + re.findall(
        r'<div class="form-errors"[^>]*>(.*?)</div>', body, re.S
    )
    return [html.unescape(re.sub(r"<[^>]+>", "", e)).strip() for e in errors]
