"""The worker's join form, the receipt look-up, and the officer's join-link settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from projectunion.i18n import _l


class JoinForm(FlaskForm):
    """Validation is the service's (the real-name rules live in one place); this only carries the fields."""

    name = StringField(_l("Name (as on your ID card)"), [Length(max=60)])
    id_number = StringField(_l("ID number"), [Length(max=40)], description=_l("18 characters, as on your ID card."))
    phone = StringField(_l("Mobile phone"), [Length(max=30)])
    trade = StringField(_l("Trade"), [Length(max=60)])
    crew_id = SelectField(_l("Your employer and crew"), coerce=int, validate_choice=False)
    consent = BooleanField(_l("I have read the notice and agree to the processing of my personal information."))


class ReceiptForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only look-up sent by GET

    code = StringField(_l("Receipt code"), [Length(max=20)])


class PersonLookupForm(FlaskForm):
    """The status by ID number and phone: sent by POST, so neither lands in an access log."""

    id_number = StringField(_l("ID number"), [Length(max=40)])
    phone = StringField(_l("Mobile phone"), [Length(max=30)], description=_l("The phone you gave when you applied."))


class ExpiryForm(FlaskForm):
    expires_on = DateField(_l("Link valid until"), [Optional()], format="%Y-%m-%d")
