from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from projectunion import labels
from projectunion.dates import today
from projectunion.forms import CheckboxesField, DayField, EventForm, SelectField, max_length, needed, optional, required
from projectunion.i18n import _l


class WageCaseForm(FlaskForm):
    summary = TextAreaField(
        _l("What happened"),
        [needed()],
        description=_l("Who owes what to whom, since when."),
    )
    amount_claimed = StringField(_l("Wages claimed (yuan)"), [needed()])
    contractor_id = SelectField(_l("Employer (contractor)"), [optional()])
    opened_on = DayField(_l("Opened on"), [required(_l("Enter the date it happened."))], default=today)
    worker_ids = CheckboxesField(_l("Workers involved"), coerce=int)


class ResolveForm(EventForm):
    amount_recovered = StringField(_l("Wages recovered (yuan)"), [needed()])


class ServiceForm(FlaskForm):
    union_id = SelectField(_l("Union giving the service"), [required(_l("Choose the union."))])
    kind = SelectField(
        _l("Service"),
        [needed()],
        choices=[("", _l("Choose…"))] + list(labels.SERVICE_KINDS.items()),
    )
    served_on = DayField(_l("Date"), [required(_l("Enter the date it happened."))], default=today)
    amount = StringField(
        _l("Amount (yuan)"), [optional()], description=_l("Money given, if any; leave empty otherwise.")
    )
    note = TextAreaField(_l("Note"), [optional(), max_length(500)])


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    state = SelectField(_l("State"))
    union_id = SelectField(_l("Union"))


class ServiceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    kind = SelectField(_l("Service"))
    union_id = SelectField(_l("Union"))
