"""Home page per role, the lifecycle diagrams, and what every page shares."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("main", __name__))


@bp.record_once
def _shared(state) -> None:
    from projectunion import web
    from projectunion.main.menu import init_app

    web.init_app(state.app)
    init_app(state.app)


from projectunion.main import routes  # noqa: E402,F401
