"""Forms of the organisation pages: the "as of" date of a grid, and the quality team's forms
for trusts, hospitals and departments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.domain.catalogue import CORE, EXTRA, POPULATION, SERVICES, Service
from app.organisations import services
from app.organisations.models import HOSPITAL_KINDS


class AsOfForm(FlaskForm):
    """The "as of" date of a grid: a GET form, so no CSRF token; blank means today.

    Shown as <input type="date">: browsers give a date picker and always send YYYY-MM-DD, so
    ?as_of=2016-06-01 links keep working; without date support it is a text box, hence the hint.
    """

    class Meta:
        csrf = False

    as_of = DateField(
        "Show ratings as they stood on",
        validators=[Optional()],
        format="%Y-%m-%d",
        description="Leave blank for today. If you type it, use year-month-day, for example 2016-06-01.",
    )


# -- The quality team's forms: trusts, hospitals, departments (issue 4, part "Organisation") -----
# The forms say what is missing; the services check the rules and their messages land on the
# same fields. A new ODS code is checked by the services' rule in the form as well, so that a
# bad code shows together with the form's other problems. Each form declares the only fields a
# post may set: an ODS code posted to an edit form is never read.

_NAME_LENGTH = Length(max=200, message="The name must be 200 characters or fewer.")

KIND_LABELS = dict(zip(HOSPITAL_KINDS, ("Hospital", "Another kind of location")))
KIND_HINTS = {"other": "For example a birth centre, a clinic or a community site."}


def _ods_code_field(label: str, example: str, size: int) -> StringField:
    # Checked by the services' rules (blank, malformed, already taken): see validate_ods_code.
    return StringField(
        label, description=f"{size} letters or digits, for example {example}. It cannot be changed later."
    )


# The new-record forms' code fields are declared before the other fields, so that they come
# first in the form's field order, and so in the error summary, as on the page.


class _NewTrustCode(FlaskForm):
    ods_code = _ods_code_field("ODS code", "R1H", 3)

    def validate_ods_code(self, field: StringField) -> None:
        problem = services.trust_code_problem(field.data)
        if problem:
            raise ValidationError(problem)


class _NewSiteCode(FlaskForm):
    ods_code = _ods_code_field("ODS site code", "R1HKH", 5)

    def validate_ods_code(self, field: StringField) -> None:
        problem = services.site_code_problem(field.data)
        if problem:
            raise ValidationError(problem)


class TrustForm(FlaskForm):
    """A trust's details that may change: its name and the date it was formed."""

    name = StringField(
        "Name",
        validators=[DataRequired("Enter the trust's name."), _NAME_LENGTH],
        description="As registered with the Care Quality Commission, for example Barts Health NHS Trust.",
    )
    formed_on = DateField(
        "Date formed (optional)",
        validators=[Optional()],
        format="%Y-%m-%d",
        invalid_value_message="Enter the date the trust was formed as a real date, for example 2012-04-01.",
        description="Use the format YYYY-MM-DD, for example 2012-04-01.",
    )


class HospitalForm(FlaskForm):
    """A hospital's details that may change: name, town and kind of location."""

    name = StringField(
        "Name",
        validators=[DataRequired("Enter the hospital's name."), _NAME_LENGTH],
        description="As CQC names the location, for example Whipps Cross University Hospital.",
    )
    town = StringField(
        "Town or area (optional)",
        validators=[Optional(), Length(max=100, message="The town must be 100 characters or fewer.")],
    )
    kind = RadioField(
        "Kind of location",
        choices=[SelectChoice(kind, label) for kind, label in KIND_LABELS.items()],
        default="hospital",
        validators=[InputRequired("Choose whether this is a hospital or another kind of location.")],
        invalid_choice_message="Choose whether this is a hospital or another kind of location.",
    )


class NewTrustForm(_NewTrustCode, TrustForm):
    """A new trust: its ODS code, then the details that may change later."""


class NewHospitalForm(_NewSiteCode, HospitalForm):
    """A new hospital: its ODS site code, then the details that may change later."""


def service_label(service: Service) -> str:
    """How a CQC service reads in the department form's list; a replaced one says by what."""
    if not service.successors:
        return service.name
    names = [SERVICES[code].name for code in service.successors if code in SERVICES]
    if names == [service.name]:
        return f"{service.name}, earlier CQC service (id {service.code})"
    return f"{service.name}, replaced by {' and by '.join(names)}"


_GROUPS = (
    (CORE, False, "Core services"),
    (EXTRA, False, "Other services"),
    (POPULATION, False, "Population groups (community services)"),
    (CORE, True, "Services CQC has replaced (for departments with older ratings)"),
)


def service_choices(keep: str | None = None) -> list[SelectChoice]:
    """The catalogue as grouped choices: current core services first, replaced ones last.
    `keep` adds a code the catalogue does not know (from an import), so editing the department
    does not change its service unasked."""
    choices = [
        SelectChoice(service.code, service_label(service), optgroup=group)
        for kind, replaced, group in _GROUPS
        for service in SERVICES.values()
        if service.kind == kind and bool(service.successors) == replaced
    ]
    if keep and keep not in SERVICES:
        choices.append(SelectChoice(keep, f"{keep} (not in the catalogue)", optgroup="Other"))
    return choices


def _service_field() -> SelectField:
    # The service checks the choice, so an unknown code gets its message on this field.
    return SelectField(
        "CQC service",
        choices=service_choices(),
        validate_choice=False,
        validators=[DataRequired("Choose the CQC service this department maps to.")],
        description="The CQC core service, other service or population group whose ratings this department's row shows.",
    )


def _code_field() -> StringField:
    return StringField(
        "Local code (optional)",
        validators=[Optional(), Length(max=40, message="The code must be 40 characters or fewer.")],
    )


class NewDepartmentForm(FlaskForm):
    service_code = _service_field()
    name = StringField(
        "Name (optional)",
        validators=[Optional(), _NAME_LENGTH],
        description="Leave blank to use the CQC service's name.",
    )
    code = _code_field()


class DepartmentForm(FlaskForm):
    service_code = _service_field()
    name = StringField("Name", validators=[DataRequired("Enter the department's name."), _NAME_LENGTH])
    code = _code_field()


class RetireForm(FlaskForm):
    """Retiring a department: from when, and optionally which department takes over."""

    retired_on = DateField(
        "Date retired",
        # InputRequired, not DataRequired: a mistyped date keeps its own message.
        validators=[InputRequired("Enter the date the department was retired.")],
        format="%Y-%m-%d",
        invalid_value_message="Enter the retirement date as a real date, for example 2026-03-31.",
        description="Use the format YYYY-MM-DD. Its ratings leave the current grid from this date.",
    )
    # Choices are the hospital's other current departments, set by the view.
    successor = SelectField(
        "Replaced by (optional)",
        choices=[],
        validate_choice=False,
        description="The department that takes over its work, if any. Its first rating also ends this department's row.",
    )
