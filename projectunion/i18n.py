"""Languages: Simplified Chinese by default, English per user."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, format_date, get_locale, gettext, ngettext, refresh
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
__all__ = [
    "DATE_FORMATS",
    "_",
    "_l",
    "cli_locale",
    "display_date",
    "init_app",
    "ngettext",
    "redate",
    "run_locale",
    "run_translations",
    "select_locale",
    "speaking",
]

#: How a calendar date is shown, one pattern per language; forms and exports stay ISO (2026-12-02).
DATE_FORMATS = {"zh": "y年M月d日", "en": "MMM d, y"}

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def display_date(value: dt.date) -> str:
    """A date as people read it in the user's language: 2026年12月2日, Dec 2, 2026."""
    language = getattr(get_locale(), "language", "zh")
    return format_date(value, DATE_FORMATS.get(language, DATE_FORMATS["zh"]))


def redate(value):
    """An ISO date put into a message by a service (``2026-12-02``), shown as a display date."""
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return display_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


# --- the command line: one language per run -------------------------------------------------

#: The language of the command-line run in progress (None outside one).
_run_locale: contextvars.ContextVar[str | None] = contextvars.ContextVar("cli_locale", default=None)

_TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def cli_locale(environ: Mapping[str, str]) -> str:
    """The language a command-line run speaks: the POSIX locale's, Chinese or else English.

    The first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set and not
    empty names the locale, as for every POSIX program; ``C``, ``POSIX``,
    unset and any language we have no catalogue for give English. Every
    Chinese locale (``zh_CN.UTF-8``, ``zh_SG``, ``zh_Hans``, ``zh``) reads the
    Simplified Chinese catalogue.
    """
    name = next((environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(k)), "")
    language = re.split(r"[_.@-]", name, maxsplit=1)[0].lower()
    return "zh_Hans_CN" if language == "zh" else "en"


@contextlib.contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Run a command in ``locale``: every message of the run, the services' included, is in it.

    Flask-Babel keeps the locale it chose on the application context; a run
    forgets it on entry and on exit, so neither the run nor whatever shares
    that context afterwards (a test) keeps the other's language.
    """
    token = _run_locale.set(locale)
    refresh()
    try:
        yield
    finally:
        _run_locale.reset(token)
        refresh()


@functools.cache
def _catalogue(locale: str) -> NullTranslations:
    return Translations.load(str(_TRANSLATIONS), [locale])


def run_locale() -> str | None:
    """The language of the command-line run in progress; None outside one."""
    return _run_locale.get()


def run_translations() -> NullTranslations:
    """The catalogue of the command line's language, usable without an application context.

    Click writes its error after the run's context has closed, so outside a
    run this follows the locale, as any gettext program's messages do.
    """
    return _catalogue(_run_locale.get() or cli_locale(os.environ))


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if g.get("api_locale") in languages:  # the API's choice: Accept-Language, else the token user's language
        return g.api_locale
    if not has_request_context():
        return _run_locale.get() or current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
