"""Accounts and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from projectunion import permissions
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import ApiToken, Contractor, Jurisdiction, Union, User
from projectunion.models._columns import utcnow
from projectunion.models.users import ROLES
from projectunion.services.transaction import audit, unit_of_work

MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def create_user(
    session: so.Session,
    actor: User | None,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    jurisdiction: Jurisdiction | None = None,
    contractor: Contractor | None = None,
    unions: list[Union] | None = None,
    can_reveal_id: bool = False,
) -> User:
    """Create an account; ``actor`` None means the command line (the operator)."""
    if actor is not None:
        permissions.require(permissions.can_manage_users(actor))
    errors = {}
    username = (username or "").strip()
    if not username or len(username) > 60:
        errors["username"] = _l("Enter a user name (at most 60 characters).")
    elif session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = _l("This user name is taken.")
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD)
    if not role:
        errors["role"] = _l("Choose the account's role.")
    elif role not in ROLES:
        errors["role"] = _l("Unknown role.")
    if display_name is not None and not display_name.strip():
        errors["display_name"] = _l("Enter the person's name.")
    if permissions.role_needs_jurisdiction(role) and jurisdiction is None:
        errors["jurisdiction"] = _l("Union staff need a jurisdiction.")
    if permissions.role_has_contractor(role) and contractor is None:
        errors["contractor"] = _l("A contractor account needs its company.")
    if errors:
        raise ValidationError(errors)
    with unit_of_work(session):
        user = User(
            username=username,
            display_name=(display_name or username).strip(),
            password_hash=hash_password(password),
            role=role,
            jurisdiction=jurisdiction if permissions.role_has_jurisdiction(role) else None,
            contractor=contractor if permissions.role_has_contractor(role) else None,
            unions=list(unions or []) if permissions.role_has_unions(role) else [],
            can_reveal_id=can_reveal_id,
        )
        session.add(user)
        session.flush()
        audit(session, actor, "create_user", user, role=role)
    return user


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: so.Session, actor: User | None, user: User, name: str = "api") -> str:
    """A new bearer token for ``user``; the clear token is returned once and never stored."""
    if actor is not None:
        permissions.require(permissions.can_manage_tokens_of(actor, user.id))
    token = "pu_" + secrets.token_urlsafe(32)
    with unit_of_work(session):
        record = ApiToken(user=user, name=name, token_hash=token_hash(token))
        session.add(record)
        session.flush()
        audit(session, actor, "create_token", record, user_id=user.id)
    return token


def revoke_token(session: so.Session, actor: User | None, token: ApiToken) -> None:
    if actor is not None:
        permissions.require(permissions.can_manage_tokens_of(actor, token.user_id))
    with unit_of_work(session):
        token.revoked_at = utcnow()
        audit(session, actor, "revoke_token", token)


#: How stale ``last_used_at`` may get: a busy integration does not write on every call.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


_TOKEN_USER = (
    sa.select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None), User.is_active)
    .options(so.joinedload(User.jurisdiction))
)


def user_for_token(session: so.Session, token: str) -> User | None:
    """The active user of a valid, unrevoked token; records when the token was last used.

    Called on every API request, so it is one prepared query; the time of use
    is written at most once a minute.
    """
    row = session.execute(_TOKEN_USER, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    user, token_id, last = row
    now = utcnow()
    if last is not None and last.tzinfo is None:  # SQLite hands back naive UTC
        last = last.replace(tzinfo=dt.UTC)
    if last is None or now - last >= TOKEN_USE_PRECISION:
        with unit_of_work(session):
            session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user
