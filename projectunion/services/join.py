"""Joining by QR code: signed join links, applications, receipts, member cards.

A union's join link carries a signed token of (union id, token version):
raising ``Union.join_token_version`` invalidates every link printed before,
and ``Union.join_token_expires_on`` ends it on a date. The worker's own
application keeps what was typed and changes no stored worker; an officer
approves it. Member cards are signed links to a live verification page that shows
the name and masked ID number only.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass
from typing import Any

import segno
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from stdnum.iso7064 import mod_11_2

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import DomainError, NotFound, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import ACTIVATED, ENROLLMENT_OPEN
from projectunion.lifecycle.membership import active_membership
from projectunion.models import Contractor, Crew, Membership, SiteEntry, Union, User
from projectunion.models._columns import utcnow
from projectunion.protection import protector
from projectunion.realname import RealNameError, normalize_phone, parse_id_number
from projectunion.services import workers
from projectunion.services.transaction import audit, unit_of_work

JOIN_SALT = "projectunion.join-link"
CARD_SALT = "projectunion.member-card"
RECEIPT_LENGTH = 8


class JoinLinkInvalid(DomainError):
    """The link was rotated, has expired, is damaged, or the union no longer takes members."""

    status = 404
    code = "join_link_invalid"

    def default_message(self) -> Any:
        return _l("This join link is no longer valid. Scan the QR code on the site's current poster.")


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


# --- join links -------------------------------------------------------------


def join_token(union: Union) -> str:
    return _serializer(JOIN_SALT).dumps([union.id, union.join_token_version])


def join_link_usable(union: Union) -> bool:
    return union.state in ENROLLMENT_OPEN and (
        union.join_token_expires_on is None or today() <= union.join_token_expires_on
    )


def union_for_token(session: so.Session, token: str) -> Union:
    """The union a join link belongs to, if the link is still valid."""
    try:
        union_id, version = _serializer(JOIN_SALT).loads(token)
    except (BadSignature, TypeError, ValueError):
        raise JoinLinkInvalid() from None
    union = session.get(Union, union_id) if isinstance(union_id, int) else None
    if union is None or union.join_token_version != version:
        raise JoinLinkInvalid()
    if union.join_token_expires_on is not None and today() > union.join_token_expires_on:
        raise JoinLinkInvalid(
            _l(
                "This join link expired on %(date)s. Ask the site union for the new QR code.",
                date=union.join_token_expires_on.isoformat(),
            )
        )
    if union.state not in ENROLLMENT_OPEN:
        raise JoinLinkInvalid(_l("%(union)s does not take new members now.", union=union.name))
    return union


def _require_manage(actor: User, union: Union) -> None:
    permissions.require_visible(actor, union)
    permissions.require(permissions.can_manage_union(actor, union))


def join_token_for(actor: User, union: Union) -> str:
    """The join link's token, for the officers and staff who manage the union (to print it)."""
    _require_manage(actor, union)
    return join_token(union)


def rotate_join_link(session: so.Session, actor: User, union: Union) -> Union:
    """A new link; every QR code printed before stops working."""
    _require_manage(actor, union)
    with unit_of_work(session):
        union.join_token_version = union.join_token_version + 1
        audit(session, actor, "rotate_join_link", union, version=union.join_token_version)
    return union


def set_join_link_expiry(session: so.Session, actor: User, union: Union, expires_on: dt.date | None) -> Union:
    _require_manage(actor, union)
    if expires_on is not None and expires_on < today():
        raise ValidationError({"expires_on": _l("The expiry date cannot be in the past.")})
    with unit_of_work(session):
        union.join_token_expires_on = expires_on
        audit(session, actor, "set_join_link_expiry", union, expires_on=expires_on)
    return union


def qr_svg(url: str) -> str:
    """An SVG QR code (no XML declaration, scales with its box)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=10, border=2, xmldecl=False, svgns=True, omitsize=True)
    return out.getvalue().decode()


def qr_png(url: str, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


# --- the form's choices and the application --------------------------------


def site_crews(session: so.Session, union: Union) -> list[tuple[Crew, Contractor]]:
    """The crews on the union's site today, for the worker to say whom they work for."""
    if union.project_id is None:
        return []
    return list(
        session.execute(
            sa.select(Crew, Contractor)
            .join(Contractor, Crew.contractor_id == Contractor.id)
            .join(SiteEntry, SiteEntry.crew_id == Crew.id)
            .where(SiteEntry.project_id == union.project_id, SiteEntry.exited_on.is_(None))
            .distinct()
            .order_by(Contractor.name, Crew.name)
        ).all()
    )


#: The version of the notice on personal information (templates/join/_notice.html) an
#: applicant agrees to; raise it whenever the notice's wording changes.
NOTICE_VERSION = "2026-12"


@dataclass(frozen=True)
class Submitted:
    membership: Membership


def submit_application(
    session: so.Session,
    union: Union,
    *,
    name: Any,
    id_number: Any,
    phone: Any = None,
    trade: str | None = None,
    crew_id: int | None = None,
    consent: bool = False,
) -> Submitted:
    """A visitor's application from the anonymous QR form: always one and the same answer.

    The form is an oracle unless it answers alike for every number: it never says whether
    the number is known, whose it is or where its holder is a member, and it never changes
    a stored worker. What was typed stays on the application (the pending membership) for
    the officer, who sees any mismatch with the stored worker; an officer's approval, not
    this submission, sets the worker's name and phone. A number nobody entered before gets
    an unconfirmed worker that blocks nobody: the next applicant or an officer is not
    refused for another name. Submitting the same details again returns the same
    application; other details for a pending one are flagged on it.
    """
    errors: dict[str, Any] = {}
    resident = clean_name = clean_phone = None
    try:
        resident, clean_name, clean_phone = workers.validate_person(id_number, name, phone)
    except ValidationError as exc:
        errors.update(exc.fields)
    if not consent:
        errors["consent"] = _l("Tick the box to agree to the processing of your personal information.")
    crew = None
    if crew_id:
        crew = next((c for c, _ in site_crews(session, union) if c.id == crew_id), None)
        if crew is None:
            errors["crew_id"] = _l("Choose your crew from the list.")
    trade = " ".join((trade or "").split()) or None
    if trade and len(trade) > 50:
        errors["trade"] = _l("The trade has at most 50 characters.")
    if errors:
        raise ValidationError(errors)
    if union.state not in ENROLLMENT_OPEN:
        raise JoinLinkInvalid(_l("%(union)s does not take new members now.", union=union.name))
    p = protector()
    with unit_of_work(session):
        worker = workers.find_by_id_number(session, resident.number)
        if worker is None:
            worker = workers.new_worker(resident, clean_name, None, trade)
            worker.confirmed = False
            session.add(worker)
            session.flush()
        application = session.scalars(
            sa.select(Membership).where(
                Membership.worker_id == worker.id, Membership.union_id == union.id, Membership.state == "pending"
            )
        ).first()
        if application is not None:
            same = application.applicant_name == clean_name and applicant_phone(application) == clean_phone
            if not same:
                application.resubmitted_differently = True
            return Submitted(application)
        current = active_membership(session, worker.id)
        application = Membership(
            worker=worker,
            union=union,
            state="pending",
            applied_on=today(),
            source="application",
            consent="qr",
            consent_notice=NOTICE_VERSION,
            consented_at=utcnow(),
            wants_transfer=current is not None and current.union_id != union.id,
            contractor_id=crew.contractor_id if crew else None,
            crew_id=crew.id if crew else None,
            receipt_code=secrets.token_hex(4).upper(),
            applicant_name=clean_name,
            applicant_phone_encrypted=p.encrypt(clean_phone) if clean_phone else None,
        )
        session.add(application)
        lifecycle.record_creation(session, "membership", application, lifecycle.context(session, None, today()))
    return Submitted(application)


def applicant_phone(application: Membership) -> str | None:
    """The phone the applicant typed on the form (decrypted), for the officer who decides."""
    token = application.applicant_phone_encrypted
    return protector().decrypt(token) if token else None


@dataclass(frozen=True)
class Typed:
    """What the officer sees of an application: the typed details and what to check."""

    name: str
    phone: str | None
    mismatches: tuple[str, ...]


def as_typed(application: Membership) -> Typed:
    """The application as the applicant typed it (the worker's record for other kinds)."""
    if application.applicant_name is None:
        return Typed(application.worker.name, application.worker.phone, ())
    return Typed(application.applicant_name, applicant_phone(application), application_mismatches(application))


def application_mismatches(application: Membership) -> tuple[str, ...]:
    """What the officer should check before approving: ``name``, ``phone``, ``resubmitted``."""
    if application.applicant_name is None:
        return ()
    found: list[str] = []
    worker = application.worker
    if worker.confirmed and application.applicant_name != worker.name:
        found.append("name")
    phone = applicant_phone(application)
    if worker.confirmed and phone and worker.phone and phone != worker.phone:
        found.append("phone")
    if application.resubmitted_differently:
        found.append("resubmitted")
    return tuple(found)


def normalize_receipt(code: Any) -> str:
    return "".join(str(code or "").split()).upper()


NOT_FOUND_MESSAGE = _l("No application matches what you entered. Check it and try again.")


def application_by_receipt(session: so.Session, code: Any) -> Membership:
    code = normalize_receipt(code)
    membership = (
        session.scalars(sa.select(Membership).where(Membership.receipt_code == code)).first()
        if len(code) == RECEIPT_LENGTH
        else None
    )
    if membership is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return membership


def application_by_person(session: so.Session, id_number: Any, phone: Any) -> Membership:
    """A worker's newest application or membership, found by the ID number with the phone given
    on the application (or the member's phone on record).

    One and the same answer whether the number is unknown or the phone does not match.
    """
    try:
        number = parse_id_number(id_number).number
        clean_phone = normalize_phone(phone)
    except RealNameError:
        raise NotFound(NOT_FOUND_MESSAGE) from None
    worker = workers.find_by_id_number(session, number) if clean_phone else None
    if worker is not None:
        candidates = session.scalars(
            sa.select(Membership)
            .where(Membership.worker_id == worker.id)
            .order_by(Membership.applied_on.desc(), Membership.id.desc())
        )
        for membership in candidates:
            typed = applicant_phone(membership)
            on_record = worker.confirmed and membership.state != "pending" and clean_phone == worker.phone
            if clean_phone == typed or (typed is None and on_record):
                return membership
    raise NotFound(NOT_FOUND_MESSAGE)


# --- member cards -----------------------------------------------------------


def member_number(membership: Membership) -> str:
    """Deterministic from the union and membership ids, with an ISO 7064 check character."""
    body = f"{membership.union_id:05d}{membership.id:08d}"
    return f"{body[:5]}-{body[5:]}-{mod_11_2.calc_check_digit(body)}"


def card_token(membership: Membership) -> str:
    return _serializer(CARD_SALT).dumps(membership.id)


def membership_for_card(session: so.Session, token: str) -> Membership:
    """The membership a card names; only memberships that were ever active have cards."""
    try:
        membership_id = _serializer(CARD_SALT).loads(token)
    except BadSignature:
        raise NotFound(_l("This member card is not genuine.")) from None
    membership = session.get(Membership, membership_id) if isinstance(membership_id, int) else None
    if membership is None or membership.state not in ACTIVATED:
        raise NotFound(_l("This member card is not genuine."))
    return membership


def card_for_officer(session: so.Session, actor: User, membership: Membership) -> str:
    """The card token of a member of a union the officer can see (to print or send the card)."""
    permissions.require_visible(actor, membership.union)
    if membership.state not in ACTIVATED:
        raise NotFound(_l("Only members who were approved have a card."))
    return card_token(membership)


@dataclass(frozen=True)
class Verification:
    """What a card's QR code answers, live: the card's membership and where it led.

    ``status`` is the card's own membership: active, kept (handed on when its
    union was dissolved), transferred, or ended. ``now_*`` describe the
    newest membership it led to (the same one when it led nowhere).
    """

    status: str
    name: str
    id_masked: str
    number: str
    union_name: str
    joined_on: dt.date | None
    ended_on: dt.date | None
    now_union: str
    now_state: str
    now_since: dt.date | None
    now_ended_on: dt.date | None


def verify_card(session: so.Session, token: str) -> Verification:
    membership = membership_for_card(session, token)
    chain = [membership]
    while chain[-1].state == "transferred":
        successor = session.scalars(
            sa.select(Membership).where(Membership.transferred_from_id == chain[-1].id).order_by(Membership.id)
        ).first()
        if successor is None:
            break
        chain.append(successor)
    status = membership.state
    if len(chain) > 1 and chain[1].source == "dissolution":
        status = "kept"
    latest = chain[-1]
    worker = membership.worker
    return Verification(
        status=status,
        name=worker.name,
        id_masked=worker.id_masked,
        number=member_number(membership),
        union_name=membership.union.name,
        joined_on=membership.joined_on,
        ended_on=membership.ended_on,
        now_union=latest.union.name,
        now_state=latest.state,
        now_since=latest.joined_on,
        now_ended_on=latest.ended_on,
    )
