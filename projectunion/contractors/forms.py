"""Forms for companies, crews, rosters and sites; every one carries a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from projectunion.dates import today
from projectunion.forms import DayField, chosen_id
from projectunion.i18n import _l
from projectunion.labels import CONTRACTOR_KINDS


def _required(message):
    return InputRequired(message)


class CompanyForm(FlaskForm):
    name = StringField(_l("Company name"), [_required(_l("Enter the company's name.")), Length(max=200)])
    uscc = StringField(
        _l("Unified social credit code"),
        [_required(_l("Enter the unified social credit code."))],
        description=_l("18 characters, as on the business licence."),
    )
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in CONTRACTOR_KINDS.items()])


class CrewForm(FlaskForm):
    name = StringField(_l("Crew name"), [_required(_l("Enter the crew's name.")), Length(max=100)])
    created_on = DayField(_l("Formed on"), [Optional()], default=today)


class RenameForm(FlaskForm):
    name = StringField(_l("New name"), [_required(_l("Enter the crew's name.")), Length(max=100)])


class LeaderForm(FlaskForm):
    leader_worker_id = SelectField(_l("Leader"), coerce=int, validate_choice=False)


class DateForm(FlaskForm):
    """Confirming an action that happened on a day (close, leave, exit)."""

    on = DayField(_l("Date"), [_required(_l("Enter the date."))], default=today)


class RosterUploadForm(FlaskForm):
    file = FileField(
        _l("Roster file"),
        [FileRequired(_l("Choose a roster file (XLSX, XLS, ODS or CSV)."))],
        description=_l(
            "XLSX, XLS, ODS or CSV (UTF-8 or GB18030), with a header row: 姓名, 身份证号, 手机号, 工种, 进场日期."
        ),
    )
    whole_crew = BooleanField(
        _l("This file is the whole crew"),
        description=_l(
            "Tick only for a complete list: everyone in the crew who is not in the file is then recorded as "
            "having left. Without it, the upload only adds people and updates phones and trades."
        ),
    )


class RosterCommitForm(FlaskForm):
    """The previewed file travels back with the confirmation, so no server keeps it in between."""

    content = HiddenField()
    filename = HiddenField()
    whole_crew = HiddenField()
    expected_left = HiddenField()  # how many the preview showed as leaving
    confirm_left = BooleanField()


class EnterSiteForm(FlaskForm):
    """A contractor sends one of its crews (or one member alone) onto a site."""

    project_id = SelectField(_l("Site"), coerce=chosen_id, validate_choice=False)
    worker_id = SelectField(_l("Who enters"), coerce=int, validate_choice=False)
    entered_on = DayField(_l("Entered on"), [_required(_l("Enter the date."))], default=today)


class SiteCrewForm(FlaskForm):
    """An officer records a crew entering the site."""

    crew_id = SelectField(_l("Crew"), coerce=chosen_id, validate_choice=False)
    entered_on = DayField(_l("Entered on"), [_required(_l("Enter the date."))], default=today)


class DecisionsForm(FlaskForm):
    """Per-member choices come as action-<id>, to_union-<id> and reason-<id> fields."""

    on = DayField(_l("Decided as of"), [_required(_l("Enter the date."))], default=today)


class EnrollCrewForm(FlaskForm):
    """Ticked workers come as worker_id and transfer lists."""

    consent = RadioField(
        _l("How the workers agreed"),
        choices=[
            SelectChoice("paper", _l("Signed the paper application form")),
            SelectChoice("qr", _l("Applied by scanning the QR code")),
        ],
        default="paper",
    )
    joined_on = DayField(_l("Joined on"), [_required(_l("Enter the date."))], default=today)
