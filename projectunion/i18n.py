"""Languages: Simplified Chinese by default, English per user."""

from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, gettext, lazy_gettext, ngettext
from flask_login import current_user

_ = gettext
_l = lazy_gettext
__all__ = ["_", "_l", "init_app", "ngettext", "select_locale"]


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if g.get("api_locale") in languages:  # the API's choice: Accept-Language, else the token user's language
        return g.api_locale
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
