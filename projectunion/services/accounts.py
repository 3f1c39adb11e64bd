"""Accounts after creation: own password and language, and the administrator's changes."""

from __future__ import annotations

import functools
import secrets
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from werkzeug.security import check_password_hash

from projectunion import permissions
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Contractor, Jurisdiction, Union, User
from projectunion.services import sign_ins
from projectunion.services.transaction import audit, unit_of_work
from projectunion.services.users import MIN_PASSWORD, check_password, hash_password


def authenticate(session: so.Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (never says which was wrong)."""
    user = session.scalars(sa.select(User).where(User.username == (username or "").strip())).first()
    if user is None:
        # The same scrypt work as for a real account, so the time taken does not tell which names exist.
        check_password_hash(_unknown_user_hash(), password or "")
        return None
    if not check_password(user, password or "") or not user.is_active:
        return None
    return user


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def change_password(session: so.Session, actor: User, *, current: str, new: str, repeat: str) -> None:
    errors: dict[str, Any] = {}
    if not check_password(actor, current or ""):
        errors["current"] = _l("The current password is not right.")
    if len(new or "") < MIN_PASSWORD:
        errors["new"] = _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD)
    elif new == current:
        errors["new"] = _l("Choose a password different from the current one.")
    if new != repeat:
        errors["repeat"] = _l("The two new passwords are not the same.")
    if errors:
        raise ValidationError(errors)
    with unit_of_work(session):
        actor.password_hash = hash_password(new)
        sign_ins.end_all(session, actor, "password_changed", keep=actor.sign_in_token)
        audit(session, actor, "change_password", actor)


def set_locale(session: so.Session, actor: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationError({"locale": _l("Unknown language.")})
    with unit_of_work(session):
        actor.locale = locale


def set_active(session: so.Session, actor: User, user: User, active: bool) -> User:
    """Disable or re-enable an account; a disabled user can no longer sign in or use tokens."""
    permissions.require(permissions.can_manage_users(actor))
    if user.id == actor.id and not active:
        raise ValidationError({"is_active": _l("You cannot disable your own account.")})
    with unit_of_work(session):
        user.is_active = active
        if not active:
            sign_ins.end_all(session, user, "disabled")
        audit(session, actor, "enable_user" if active else "disable_user", user)
    return user


def update_scope(
    session: so.Session,
    actor: User,
    user: User,
    *,
    display_name: str,
    jurisdiction: Jurisdiction | None,
    contractor: Contractor | None,
    unions: list[Union],
    can_reveal_id: bool,
) -> User:
    """Change what an account may see: its jurisdiction, unions or company."""
    permissions.require(permissions.can_manage_users(actor))
    errors: dict[str, Any] = {}
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 100:
        errors["display_name"] = _l("Enter the person's name (at most 100 characters).")
    if permissions.role_needs_jurisdiction(user.role) and jurisdiction is None:
        errors["jurisdiction"] = _l("Union staff need a jurisdiction.")
    if permissions.role_has_contractor(user.role) and contractor is None:
        errors["contractor"] = _l("A contractor account needs its company.")
    if errors:
        raise ValidationError(errors)
    with unit_of_work(session):
        user.display_name = display_name
        user.jurisdiction = jurisdiction if permissions.role_has_jurisdiction(user.role) else None
        user.contractor = contractor if permissions.role_has_contractor(user.role) else None
        user.unions = list(unions) if permissions.role_has_unions(user.role) else []
        user.can_reveal_id = can_reveal_id and permissions.role_may_reveal_id(user.role)
        audit(session, actor, "update_user", user, unions=[u.id for u in user.unions])
    return user


def reset_password(session: so.Session, actor: User, user: User, new: str) -> None:
    """The administrator sets a new password for someone who forgot theirs."""
    permissions.require(permissions.can_manage_users(actor))
    if len(new or "") < MIN_PASSWORD:
        raise ValidationError({"password": _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD)})
    with unit_of_work(session):
        user.password_hash = hash_password(new)
        sign_ins.end_all(session, user, "password_reset")
        audit(session, actor, "reset_password", user)
