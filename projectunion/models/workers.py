from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.models._columns import Timestamp, choice, utcnow

if TYPE_CHECKING:
    from projectunion.models.memberships import Membership

#: The digest of a worker anonymised under the retention rule begins so (a random value follows):
#: the old number no longer leads to the record.
ANONYMISED_DIGEST_PREFIX = "anonymised:"


class Worker(Base):
    """One real person, once in the whole system, keyed by the resident ID number.

    The number is never stored in clear: ``id_digest`` (keyed HMAC) finds and
    deduplicates, ``id_encrypted`` can be revealed by those allowed, and only
    ``id_masked`` is shown. Birth date, gender and origin come from the number.
    """

    __tablename__ = "workers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    id_digest: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    id_encrypted: so.Mapped[str] = so.mapped_column(sa.Text)
    id_masked: so.Mapped[str] = so.mapped_column(sa.String(18))
    id_last4: so.Mapped[str] = so.mapped_column(sa.String(4), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(50), index=True)
    # The phone is personal data like the ID number: encrypted, with a keyed digest for an exact look-up.
    phone_encrypted: so.Mapped[str | None] = so.mapped_column(sa.Text)
    phone_digest: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    trade: so.Mapped[str | None] = so.mapped_column(sa.String(50), index=True)
    birth_date: so.Mapped[dt.date]
    gender: so.Mapped[str] = so.mapped_column(choice("gender", ("M", "F")))
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6))
    origin_province_code: so.Mapped[str] = so.mapped_column(sa.String(2), index=True)
    #: False while the only source of the name is an anonymous QR application: an officer's
    #: decision (approval or enrollment) confirms the person, and the name with it.
    confirmed: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    memberships: so.Mapped[list[Membership]] = so.relationship(
        back_populates="worker", order_by="Membership.joined_on, Membership.id"
    )

    @property
    def phone(self) -> str | None:
        """The phone in clear (decrypted on reading; the app's data key)."""
        if not self.phone_encrypted:
            return None
        from projectunion.protection import protector

        return protector().decrypt(self.phone_encrypted)

    @phone.setter
    def phone(self, value: str | None) -> None:
        from projectunion.protection import protector

        for column, stored in protector().phone_columns(value).items():
            setattr(self, column, stored)

    @property
    def anonymised(self) -> bool:
        """Whether the person's name, number and phone were removed under the retention rule."""
        return self.id_digest.startswith(ANONYMISED_DIGEST_PREFIX)

    def __repr__(self) -> str:
        return f"<Worker {self.id} {self.id_masked}>"
