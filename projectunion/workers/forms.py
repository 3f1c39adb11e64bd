from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField

from projectunion.forms import max_length, optional
from projectunion.i18n import _l


class ContactForm(FlaskForm):
    phone = StringField(_l("Mobile phone"), [optional()])
    trade = StringField(_l("Trade"), [optional(), max_length(50)])


class RevealForm(FlaskForm):
    reason = StringField(
        _l("Why do you need the full number?"),
        [optional(), max_length(200)],
        description=_l("Recorded in the audit log with your name and the time."),
    )
