from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField

from projectunion.dates import today
from projectunion.forms import DayField, EventForm, SelectField, max_length, needed, optional
from projectunion.i18n import _l


class ProjectForm(FlaskForm):
    name = StringField(_l("Project name"), [needed()])
    permit_no = StringField(
        _l("Construction-permit number"),
        [needed()],
        description=_l("As printed on the construction permit (施工许可证)."),
    )
    town_code = SelectField(_l("Town or street"), [needed()])
    address = StringField(_l("Site address"), [optional(), max_length(300)])
    general_contractor_id = SelectField(_l("General contractor"), [optional()])
    planned_start = DayField(_l("Planned start"), [optional()])
    planned_end = DayField(_l("Planned end"), [optional()])


class NewProjectForm(ProjectForm):
    registered_on = DayField(
        _l("Registered on"),
        [optional()],
        default=today,
        description=_l(
            "The day the project was registered with the union. A project entered after the fact keeps its real "
            "dates: its start cannot be dated before this day."
        ),
    )


class EditProjectForm(ProjectForm):
    permit_no = None
    town_code = None


class StartForm(EventForm):
    union_name = StringField(
        _l("Name of the project union"),
        [optional(), max_length(200)],
        description=_l("Leave empty for the usual name: the project's name followed by 项目工会."),
    )


class ProjectFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    state = SelectField(_l("State"))
    place = SelectField(_l("District / town"))
    contractor = SelectField(_l("General contractor"))
