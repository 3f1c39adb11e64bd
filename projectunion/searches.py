"""Search boxes that may be given an ID number or a phone: the term never goes into an address.

A search is POSTed. The term is kept encrypted in the user's session under a
short random key and the browser is sent back (POST-redirect-GET) to the page
with only that key (``?s=k3J9xQ2a``), so pagination, tabs, back and reload
work as for any GET page while no address, access log or Referer holds the
number. Every search is treated the same, a name too: one rule, and a name
typed by mistake into the wrong box is no exception to it.

The session is a signed cookie, not an encrypted one: the term in it is
encrypted with the data key, and forgotten after a few newer searches or when
the session ends.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Response, current_app, flash, redirect, request, session, url_for

from projectunion.forms import SearchForm
from projectunion.i18n import _
from projectunion.protection import protector
from projectunion.realname import RealNameError, normalize_phone, parse_id_number

#: The query parameter that carries the key of the search.
PARAM = "s"
_SESSION_KEY = "searches"
#: How many searches a session remembers (each costs ~150 bytes of the cookie).
KEEP = 6
_DIGIT_RUN = re.compile(r"[0-9]{7,}")


def is_private(q: str) -> bool:
    """A full ID number, a whole phone, or anything with seven digits in a row (a mistyped one)."""
    compact = re.sub(r"[\s-]", "", q or "")
    if _DIGIT_RUN.search(compact):
        return True
    try:
        parse_id_number(q)
    except RealNameError:
        pass
    else:
        return True
    try:
        return normalize_phone(q) is not None
    except RealNameError:
        return False


def remember(q: str) -> str:
    """Keep ``q`` (encrypted) in the session; the short key that names it."""
    key = secrets.token_urlsafe(6)
    kept = dict(session.get(_SESSION_KEY) or {})
    kept[key] = protector().encrypt_search(q)
    session[_SESSION_KEY] = dict(list(kept.items())[-KEEP:])
    return key


def recall(key: str | None) -> str | None:
    """The term the session keeps under ``key``; None if it is unknown or has expired."""
    token = (session.get(_SESSION_KEY) or {}).get(key or "")
    if not isinstance(token, str):
        return None
    max_age = int(current_app.config["SESSION_ABSOLUTE_HOURS"]) * 3600
    return protector().decrypt_search(token, max_age=max_age)


def posted(endpoint: str, **values: Any) -> Response:
    """Answer a POSTed search box: back to ``endpoint`` by GET with the search's key (or none)."""
    form = SearchForm()
    q = ""
    if form.validate():
        q = (form.q.data or "").strip()
    else:
        for message in [m for errors in form.errors.values() for m in errors]:
            flash(message, "error")
    if q:
        values[PARAM] = remember(q)
    return redirect(url_for(endpoint, **values))


def term(endpoint: str, **values: Any) -> tuple[str, Response | None]:
    """The search of a GET page: ``(term, None)``, or ``("", redirect)`` when the address must change.

    A ``q`` typed into the address is moved to a key (a name) or refused (a number: it has reached
    the log already, the page does not repeat it); an expired key starts afresh with a message.
    """
    if "q" in request.args:
        q = request.args.get("q", "").strip()
        if q and is_private(q):
            flash(
                _("Search for a full ID number or phone with the search box: it is not sent in the address."), "error"
            )
        elif q:
            values[PARAM] = remember(q)
        return "", redirect(url_for(endpoint, **values))
    key = request.args.get(PARAM)
    if not key:
        return "", None
    q = recall(key)
    if q is None:
        flash(_("This search has expired. Search again."), "error")
        return "", redirect(url_for(endpoint, **values))
    return q, None
