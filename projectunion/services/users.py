"""Accounts and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from projectunion import permissions
from projectunion.exceptions import NotFound, ValidationError
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


#: A new token's lifetime unless asked otherwise, and the longest one may ask for.
TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


def create_token(
    session: so.Session, actor: User | None, user: User, name: str = "api", *, days: int = TOKEN_DAYS
) -> str:
    """A new bearer token for ``user``, valid for ``days``; the clear token is returned once and never stored."""
    if actor is not None:
        permissions.require(permissions.can_manage_tokens_of(actor, user.id))
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = _l("Give the token a name (at most 100 characters), e.g. what uses it.")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        errors["days"] = _l("A token is valid for 1 to %(n)d days.", n=MAX_TOKEN_DAYS)
    if errors:
        raise ValidationError(errors)
    token = "pu_" + secrets.token_urlsafe(32)
    with unit_of_work(session):
        record = ApiToken(
            user=user, name=name, token_hash=token_hash(token), expires_at=utcnow() + dt.timedelta(days=days)
        )
        session.add(record)
        session.flush()
        audit(session, actor, "create_token", record, user_id=user.id, name=name, expires_at=record.expires_at)
    return token


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``: what the API would do with it now."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if _aware(token.expires_at) <= (now or utcnow()) else "active"


def tokens_of(session: so.Session, user: User) -> list[ApiToken]:
    """A user's tokens, newest first, revoked and expired ones included (they stay on record)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def token_by_id(session: so.Session, actor: User | None, token_id: int) -> ApiToken:
    """A token the actor may manage; any other id is not found, whether or not it exists."""
    token = session.get(ApiToken, token_id)
    if token is None or (actor is not None and not permissions.can_manage_tokens_of(actor, token.user_id)):
        raise NotFound()
    return token


def revoke_token(session: so.Session, actor: User | None, token: ApiToken) -> None:
    """Refuse ``token`` from now on; revoking a revoked token changes nothing."""
    if actor is not None:
        permissions.require(permissions.can_manage_tokens_of(actor, token.user_id))
    if token.revoked_at is not None:
        return
    with unit_of_work(session):
        token.revoked_at = utcnow()
        audit(session, actor, "revoke_token", token, user_id=token.user_id, name=token.name)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment  # SQLite hands back naive UTC


#: How stale ``last_used_at`` may get: a busy integration does not write on every call.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


_TOKEN_USER = (
    sa.select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == sa.bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > sa.bindparam("now"),
        User.is_active,
    )
    .options(so.joinedload(User.jurisdiction))
)


def user_for_token(session: so.Session, token: str) -> User | None:
    """The active user of a valid token (unrevoked, unexpired); records when the token was last used.

    Called on every API request, so it is one prepared query; the time of use
    is written at most once a minute.
    """
    now = utcnow()
    row = session.execute(_TOKEN_USER, {"token_hash": token_hash(token), "now": now}).first()
    if row is None:
        return None
    user, token_id, last = row
    if last is not None:
        last = _aware(last)
    if last is None or now - last >= TOKEN_USE_PRECISION:
        with unit_of_work(session):
            session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user
