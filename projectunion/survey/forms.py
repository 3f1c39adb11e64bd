from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from projectunion.forms import DayField, SelectField, optional
from projectunion.i18n import _l
from projectunion.services.survey import TARGET_MAX

CONSENTS = [("paper", _l("Signed the registration form")), ("qr", _l("Applied by the QR code"))]


class EnrollForm(FlaskForm):
    """Enroll one worker of the site: the consent is recorded, so it must be confirmed."""

    consent = SelectField(_l("How the worker agreed"), choices=CONSENTS, default="paper")
    confirmed = BooleanField(
        _l("The worker agreed to join and to the personal-information notice"),
        [InputRequired(message=_l("Confirm that the worker agreed: their consent is recorded."))],
    )
    joined_on = DayField(_l("Joined on"), [optional()])


class DeclineForm(FlaskForm):
    declined_on = DayField(_l("Declined on"), [optional()])


class TargetForm(FlaskForm):
    jurisdiction_code = SelectField(_l("Jurisdiction"))
    year = IntegerField(_l("Year"), [InputRequired()])
    target = IntegerField(_l("New members to enroll"), [InputRequired(), NumberRange(min=1, max=TARGET_MAX)])
