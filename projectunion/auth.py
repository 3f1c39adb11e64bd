"""Sign-in sessions (Flask-Login) and CSRF protection for every form."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from projectunion.db import get_session
from projectunion.i18n import _l

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def load_user(token: str):
    """The session and remember cookies carry a sign-in's token; only a live sign-in signs anyone in."""
    from projectunion.services import sign_ins

    return sign_ins.resume(get_session(), token)


def signed_in_only(bp: Blueprint) -> Blueprint:
    """Every page of ``bp`` needs a signed-in user; the others go to the sign-in page."""

    @bp.before_request
    def _require_login():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    return bp


def init_app(app: Flask) -> None:
    login_manager.login_view = "account.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.init_app(app)
    csrf.init_app(app)
