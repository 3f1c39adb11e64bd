"""Sign-in sessions (Flask-Login) and CSRF protection for every form."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from projectunion.db import get_session
from projectunion.i18n import _l

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def load_user(user_id: str):
    from projectunion.models import User

    user = get_session().get(User, int(user_id))
    return user if user is not None and user.is_active else None


def init_app(app: Flask) -> None:
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.init_app(app)
    csrf.init_app(app)
