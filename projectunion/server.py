"""``projectunion serve``: the production server (gunicorn) with defaults that suit this app.

Each worker builds its own app (no preload), so no database connection is
ever shared across a fork. The access log writes the path without its query
string: a query may carry an ID number or a phone, which never go into a log.
"""

from __future__ import annotations

import os

import click

from projectunion.cli_language import option
from projectunion.i18n import _, _l

#: What gunicorn's access log writes: address, method, path (no query string), status, size, duration.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def default_workers() -> int:
    """gunicorn's rule of thumb, two per core plus one, capped so a big host does not exhaust the database."""
    return min(2 * (os.cpu_count() or 1) + 1, 12)


@click.command("serve", help=_l("Serve the app with gunicorn (production). Run `projectunion db upgrade` first."))
@option(
    "--bind",
    default=lambda: os.environ.get("PROJECTUNION_BIND", "127.0.0.1:8000"),
    show_default=_l("127.0.0.1:8000 or $PROJECTUNION_BIND"),
    help=_l("Address and port to listen on."),
)
@option(
    "--workers",
    type=click.IntRange(1, 64),
    default=default_workers,
    show_default=_l("2 × cores + 1, at most 12"),
    help=_l("Worker processes."),
)
@option(
    "--timeout",
    type=click.IntRange(5),
    default=60,
    show_default=True,
    help=_l("Seconds before a stuck worker is restarted."),
)
@option(
    "--graceful-timeout",
    type=click.IntRange(1),
    default=30,
    show_default=True,
    help=_l("Seconds a worker has to finish its requests on restart or stop."),
)
@option("--access-log/--no-access-log", default=True, show_default=True, help=_l("Access log on standard output."))
def serve_command(bind: str, workers: int, timeout: int, graceful_timeout: int, access_log: bool) -> None:
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        raise click.ClickException(_("gunicorn is not installed: pip install 'projectunion[server]'")) from None

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": bind,
                "workers": workers,
                "timeout": timeout,
                "graceful_timeout": graceful_timeout,
                "accesslog": "-" if access_log else None,
                "access_log_format": ACCESS_LOG_FORMAT,
                "errorlog": "-",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from projectunion import create_app

            return create_app()

    Server().run()
