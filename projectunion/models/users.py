from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.models._columns import Timestamp, choice, utcnow
from projectunion.models.contractors import Contractor
from projectunion.models.jurisdictions import Jurisdiction
from projectunion.models.projects import Project
from projectunion.models.unions import Union

ROLES = ("officer", "union_staff", "contractor", "city_staff", "admin")

user_unions = sa.Table(
    "user_unions",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("union_id", sa.ForeignKey("unions.id"), primary_key=True, index=True),
)

#: Officers assigned to a project by union staff (or who took it up); they run its union.
project_officers = sa.Table(
    "project_officers",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("project_id", sa.ForeignKey("projects.id"), primary_key=True, index=True),
)


class User(Base):
    """A person who signs in. The scope depends on the role:

    officer — the unions in ``unions`` and the projects in ``projects`` (assigned to them), and the
    unassigned planned projects of ``jurisdiction``;
    union_staff — ``jurisdiction`` and everything below; contractor — ``contractor``;
    city_staff — everything, read-only; admin — everything.
    """

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role <> 'contractor' OR contractor_id IS NOT NULL", name="contractor_user_has_contractor"),
        sa.CheckConstraint("role <> 'union_staff' OR jurisdiction_id IS NOT NULL", name="staff_user_has_jurisdiction"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(choice("user_role", ROLES))
    jurisdiction_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("jurisdictions.id"))
    contractor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contractors.id"))
    can_reveal_id: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    is_active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)

    jurisdiction: so.Mapped[Jurisdiction | None] = so.relationship()
    contractor: so.Mapped[Contractor | None] = so.relationship()
    unions: so.Mapped[list[Union]] = so.relationship(secondary=user_unions)
    projects: so.Mapped[list[Project]] = so.relationship(secondary=project_officers, back_populates="officers")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    #: the token of the sign-in this request runs under (set by the session loader, never stored)
    sign_in_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember cookies: the token of one sign-in, not the user id,
        so that ending that sign-in on the server makes every copy of the cookies worthless."""
        if self.sign_in_token is None:
            raise RuntimeError("a user is signed in only through projectunion.services.sign_ins.start")
        return self.sign_in_token

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(Timestamp)
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(Timestamp)
    #: A token is refused from this moment on; every token has one (at most a year ahead).
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp)

    user: so.Mapped[User] = so.relationship()


class SignIn(Base):
    """One signed-in browser: the server's record of a session, so that it can be ended.

    Only the SHA-256 of its token is stored; the cookies carry the token. A
    sign-in ends on sign-out, when its password is changed or reset, when the
    account is disabled, after ``SESSION_IDLE_MINUTES`` without a request or
    ``SESSION_ABSOLUTE_HOURS`` after it began (longer when remembered).
    """

    __tablename__ = "sign_ins"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    remember: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)
    last_seen_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)
    ended_at: so.Mapped[dt.datetime | None] = so.mapped_column(Timestamp)
    end_reason: so.Mapped[str | None] = so.mapped_column(sa.String(30))

    user: so.Mapped[User] = so.relationship()
