"""Languages: Simplified Chinese by default, English per user."""

from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, gettext, ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape


class LazyText(LazyString):
    """A message translated when used; in a page, the values put into it are escaped.

    flask_babel's lazy string declares itself safe HTML as a whole, so a
    refusal that quotes what a visitor typed (a filter value, a roster cell)
    would reach the page unescaped. Here the translated template is escaped
    and every value is escaped as it is interpolated; as plain text (JSON, CSV,
    the command line) the message is unchanged.
    """

    def __html__(self) -> Markup:
        (string,) = self._args
        template = escape(self._func(string))
        return template % self._kwargs if self._kwargs else template


def _l(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


_ = gettext
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
