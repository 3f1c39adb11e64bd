"""Sign-ins kept on the server: begun at sign-in, checked on every request, ended when they must be.

A stolen session or remember cookie is worth only as long as its sign-in
lives: signing out, changing or resetting the password and disabling the
account end it, and so do the idle and absolute timeouts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from projectunion.models import SignIn, User
from projectunion.models._columns import utcnow

#: last_seen_at is written at most this often, not on every request
TOUCH_EVERY = dt.timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits(remember: bool) -> tuple[dt.timedelta, dt.timedelta]:
    """(idle, absolute) for a sign-in; a remembered one lives longer on both counts."""
    config = current_app.config
    if remember:
        return dt.timedelta(days=config["REMEMBERED_IDLE_DAYS"]), dt.timedelta(days=config["REMEMBERED_ABSOLUTE_DAYS"])
    return dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"]), dt.timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])


def start(session: so.Session, user: User, *, remember: bool = False) -> User:
    """Begin a sign-in for ``user`` (committed); ``user.get_id()`` is then its token."""
    token = secrets.token_urlsafe(32)
    session.add(SignIn(user_id=user.id, token_hash=_hash(token), remember=remember))
    session.commit()
    user.sign_in_token = token
    return user


def resume(session: so.Session, token: str) -> User | None:
    """The active user of a live sign-in with this token, or None (and the sign-in ended if it timed out)."""
    sign_in = session.scalars(
        sa.select(SignIn).where(SignIn.token_hash == _hash(token), SignIn.ended_at.is_(None))
    ).first()
    if sign_in is None:
        return None
    now = utcnow()
    idle, absolute = _limits(sign_in.remember)
    user = sign_in.user
    if not user.is_active or now - _utc(sign_in.last_seen_at) > idle or now - _utc(sign_in.created_at) > absolute:
        _end(sign_in, now, "timed_out" if user.is_active else "disabled")
        session.commit()
        return None
    if now - _utc(sign_in.last_seen_at) > TOUCH_EVERY:
        sign_in.last_seen_at = now
        session.commit()
    user.sign_in_token = token
    return user


def end(session: so.Session, token: str | None, reason: str = "signed_out") -> None:
    """End one sign-in (the one signing out)."""
    if token:
        session.execute(
            sa.update(SignIn)
            .where(SignIn.token_hash == _hash(token), SignIn.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )


def end_all(session: so.Session, user: User, reason: str, *, keep: str | None = None) -> None:
    """End every sign-in of ``user`` (but ``keep``'s, the browser that asked); the caller commits."""
    statement = sa.update(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
    if keep:
        statement = statement.where(SignIn.token_hash != _hash(keep))
    session.execute(statement.values(ended_at=utcnow(), end_reason=reason))


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _end(sign_in: SignIn, now: dt.datetime, reason: str) -> None:
    sign_in.ended_at, sign_in.end_reason = now, reason
