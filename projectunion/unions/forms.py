from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from projectunion import labels
from projectunion.dates import today
from projectunion.forms import DayField, EventForm, SelectField, max_length, needed, optional, required
from projectunion.i18n import _l


class UnionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    kind = SelectField(_l("Kind"))
    state = SelectField(_l("State"))
    place = SelectField(_l("District / town"))


class StandingUnionForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        [needed()],
        choices=[("regional", labels.UNION_KINDS["regional"]), ("industry", labels.UNION_KINDS["industry"])],
    )
    name = StringField(_l("Name"), [needed()])
    jurisdiction_code = SelectField(_l("Jurisdiction"), [needed()])


class EnrollForm(FlaskForm):
    name = StringField(_l("Name"), [needed()])
    id_number = StringField(
        _l("Resident ID number"),
        [needed()],
        description=_l("18 characters, as on the ID card. Birth date, gender and origin are read from it."),
    )
    phone = StringField(_l("Mobile phone"), [optional()])
    trade = StringField(_l("Trade"), [optional(), max_length(50)])
    joined_on = DayField(_l("Joined on"), [required(_l("Enter the date of joining."))], default=today)
    transfer = BooleanField(_l("Transfer from the worker's current union"))


REJECTION_HELP = _l("The worker reads this reason on the status page of the application.")


class DecideForm(FlaskForm):
    on = DayField(_l("Date of the decision"), [required(_l("Enter the date it happened."))], default=today)
    reason = StringField(_l("Reason for rejecting"), [optional(), max_length(500)], description=REJECTION_HELP)


class RejectForm(EventForm):
    reason = TextAreaField(
        _l("Reason for rejecting"),
        [required(_l("Give the reason for rejecting: the worker will read it.")), max_length(500)],
        description=REJECTION_HELP,
    )


class EndForm(EventForm):
    reason = SelectField(
        _l("Reason"),
        [required(_l("Choose why the membership ends."))],
        choices=[("", _l("Choose…"))] + [(k, v) for k, v in labels.END_REASONS.items() if k != "project_completed"],
    )


class TransferForm(EventForm):
    to_union_id = SelectField(_l("Move to"), [required(_l("Choose the union the member moves to."))])


class FoundForm(EventForm):
    chair_membership_id = SelectField(_l("Chair"), [required(_l("Choose the chair among the active members."))])


class ChairForm(FlaskForm):
    membership_id = HiddenField()


class DissolveForm(FlaskForm):
    successor_union_id = SelectField(_l("Successor union"), [optional()])
    on = DayField(_l("Date of dissolution"), [required(_l("Enter the date it happened."))], default=today)
    q = StringField(_l("Find a member"))
    confirm = BooleanField(_l("I have read the summary: dissolve the union now."))
