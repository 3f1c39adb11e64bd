"""The command line speaks one language per run: the POSIX locale's, English otherwise (issue 11).

:func:`projectunion.i18n.cli_locale` reads the language from the environment;
here the command line is made to use it everywhere a run writes text:

- the app's command group enters the language as the run resolves its command,
  so our messages, the services' (lazy) messages and the dates are in it;
- the help of options is translated when it is shown, not when the command is
  defined (click freezes an option's help at definition);
- click's own words ("Error:", "Missing option", "Usage:") come from our
  catalogue too, in the same language, so a Chinese run does not print them
  in English.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils
from flask.cli import AppGroup
from flask_babel.speaklater import LazyString

from projectunion import i18n


class AppCommands(AppGroup):
    """``app.cli``: every command of the app, run in the language of the run.

    Both entries, ``projectunion`` and ``flask --app projectunion``, look the
    command up here first; the language is entered for the whole run (it ends
    with the run's click context), before the command parses its options.
    """

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if i18n.run_locale() is None:
            ctx.with_resource(i18n.speaking(i18n.cli_locale(os.environ)))
        return super().get_command(ctx, cmd_name)


class Option(click.Option):
    """An option whose help (and a worded default) is translated when shown."""

    def __init__(self, *args: Any, help: Any = None, **kwargs: Any) -> None:  # noqa: A002 (click's name)
        super().__init__(*args, **kwargs)
        self.help = help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        return None if record is None else (record[0], str(record[1]))

    def get_help_extra(self, ctx: click.Context) -> Any:
        worded = self.show_default
        if isinstance(worded, LazyString):
            self.show_default = str(worded)
        try:
            return super().get_help_extra(ctx)
        finally:
            self.show_default = worded


#: ``@option(...)``: ``click.option`` with a help that may be a lazy (translated) string.
option = functools.partial(click.option, cls=Option)


def _click_gettext(message: str) -> str:
    return i18n.run_translations().gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.run_translations().ngettext(singular, plural, n)


def lazy_text(message: str) -> LazyString:
    """A message translated when shown, even before the app is loaded (the ``projectunion`` command's own help)."""
    return LazyString(_click_gettext, message)


def _speak_click() -> None:
    """Point click's gettext at our catalogue (click asks the stdlib's, where we have none).

    Click looks its words up with ``gettext.gettext`` bound as ``_`` in each
    module; the stdlib would need a ``zh_CN`` folder per locale name. In
    English the words are click's own.
    """
    modules = (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
        click.utils,
    )
    for module in modules:
        if hasattr(module, "_"):
            module._ = _click_gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext
    # A command keeps its --help option once made: its help must be translated when shown, not when made.
    click_help_option = click.decorators.help_option

    def help_option(*param_decls: str, **kwargs: Any):
        kwargs.setdefault("cls", Option)
        kwargs.setdefault("help", lazy_text("Show this message and exit."))
        return click_help_option(*param_decls, **kwargs)

    click.decorators.help_option = help_option


_speak_click()


def init_app(app) -> None:
    """Make ``app.cli`` speak the run's language (keeping any command already added)."""
    commands = AppCommands(name=app.cli.name, commands=app.cli.commands)
    app.cli = commands
