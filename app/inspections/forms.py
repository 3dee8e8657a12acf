"""Forms of the inspections area: the inspection's details, publication, findings and
enforcement; the ratings grid form and the SAF scores form, built per inspection; and the
archive forms every archivable record shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.domain import inspections as vocab
from app.domain.ratings import KEY_QUESTIONS, NON_RATINGS, RATINGS
from app.domain.regulations import REGULATIONS
from app.forms_support import ArchiveForm, ConfirmForm, record_number

__all__ = ["ArchiveForm", "ConfirmForm"]


# ---------------------------------------------------------------------------------------------
# The ratings grid form and the SAF scores form. Their fields depend on the
# inspection (one select per cell of each row, one set of radios per quality statement), so
# each request builds its form class from the field names the services use.

# The blank option (not rated in this report: nothing stored, the earlier rating carries
# forward). Its text is short, to read in a narrow select, and starts with a letter no rating or
# non-rating starts with, so that typing a rating's first letter in a select picks the rating.
BLANK_CELL = "Blank"
CELL_CHOICES = [
    SelectChoice("", BLANK_CELL),
    *(SelectChoice(v, v, optgroup="Ratings") for v in RATINGS),
    *(SelectChoice(v, v, optgroup="Non-ratings") for v in NON_RATINGS),
]
SCORE_CHOICES = [
    ("", "Not scored"),
    ("1", "1 Significant shortfalls"),
    ("2", "2 Some shortfalls"),
    ("3", "3 Good"),
    ("4", "4 Exceptional"),
]
REASON_LIMIT = "The reason must be 2,000 characters or fewer."


class RatingsGridForm(FlaskForm):
    """The ratings of one inspection as a grid; cells and row reasons are added per request."""

    correction_reason = TextAreaField(
        "Why are the ratings of this published report changing?",
        validators=[Optional(), Length(max=2000, message=REASON_LIMIT)],
        description="For example, a rating was entered wrongly. It is kept in the inspection's history.",
    )


def ratings_grid_form(cells: dict[str, str], reasons: dict[str, str], data: dict[str, str]) -> RatingsGridForm:
    """A RatingsGridForm with a select per cell ({field name: label}) and a reason box per row.

    Choices are not validated by WTForms: the service names the cell whose rating is not on
    the scale.
    """

    class Form(RatingsGridForm):
        pass

    for name, label in cells.items():
        setattr(Form, name, SelectField(label, choices=CELL_CHOICES, validate_choice=False, default=""))
    for name, label in reasons.items():
        setattr(Form, name, StringField(label, validators=[Length(max=2000, message=REASON_LIMIT)]))
    return Form(data=data)


class SafScoresForm(FlaskForm):
    """The quality statement scores of one row; a radio group per statement is added per request."""


def saf_scores_form(statements: dict[str, str], data: dict[str, str]) -> SafScoresForm:
    """A SafScoresForm with radios (not scored, 1–4) per statement ({field name: title})."""

    class Form(SafScoresForm):
        pass

    for name, title in statements.items():
        choices = [SelectChoice(value, label) for value, label in SCORE_CHOICES]
        setattr(Form, name, RadioField(title, choices=choices, validate_choice=False, default=""))
    return Form(data=data)


# ---------------------------------------------------------------------------------------------
# Recording an inspection: its details and report document, publishing it, and its
# findings and enforcement. Each form declares the only fields a post may set; the services
# check the rules (dates in order, a web address, a PDF, a must-do's regulation).


TEXT_LIMIT = 5000
DATE_EXAMPLE = "2024-03-17"


def _choices(pairs: Any) -> list[SelectChoice]:
    """[SelectChoice(value, label)] from a mapping or (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in (pairs.items() if hasattr(pairs, "items") else pairs)]


REGULATION_CHOICES = _choices([("", "None"), *((code, f"Regulation {code}: {name}") for code, name in REGULATIONS.items())])


class IsoDateField(DateField):
    """A YYYY-MM-DD date typed into a text box (the app's one date format). Blank is no date;
    a date that is not real gets a message naming the field."""

    def __init__(self, label: str, validators: Any = None, *, noun: str, **kwargs: Any):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)
        self.noun = noun  # "The publication date": how messages name the field

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:  # not in the post at all: keep the form's data (the record's value)
            return
        text = " ".join(str(value) for value in valuelist).strip()
        self.data = None
        if not text:
            return
        try:
            self.data = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(
                f"{self.noun} must be a real date in the format YYYY-MM-DD, for example {DATE_EXAMPLE}."
            ) from None

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(str(value) for value in self.raw_data)
        return self.data.isoformat() if isinstance(self.data, date) else ""


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer.")


class InspectionForm(FlaskForm):
    """An inspection's details and report document; the hospital choices are set per request
    (hospital ODS codes, and "trust:" + the trust's code for a trust-level review)."""

    hospital = SelectField(
        "Hospital",
        choices=[],
        validators=[DataRequired("Choose the hospital that was inspected, or trust-level review.")],
        invalid_choice_message="Choose a hospital from the list.",
        description="For a trust-level well-led review, choose the trust-level review.",
    )
    source = RadioField(
        "Official or internal",
        choices=_choices(vocab.SOURCES),
        invalid_choice_message="Choose whether it was an official CQC inspection or an internal one.",
    )
    inspection_type = RadioField(
        "Type of inspection",
        choices=_choices(vocab.INSPECTION_TYPES),
        invalid_choice_message="Choose the type of inspection.",
    )
    notice = RadioField(
        "Notice given",
        choices=_choices(vocab.NOTICE),
        invalid_choice_message="Choose how much notice the inspection gave.",
    )
    visit_start = IsoDateField(
        "First day of the visit (optional)", [Optional()], noun="The first day of the visit",
        description=f"For example, {DATE_EXAMPLE}.",
    )
    visit_end = IsoDateField(
        "Last day of the visit (optional)", [Optional()], noun="The last day of the visit",
        description="The same date as the first day for a one-day visit.",
    )
    published_on = IsoDateField(
        "Publication date (optional)", [Optional()], noun="The publication date",
        description="The date the report was published: its ratings take effect from it. "
                    "Can be added when you publish.",
    )
    report_ref = StringField("Report reference (optional)", [_length(100, "The report reference")])
    report_url = StringField(
        "Link to the published report (optional)",
        [_length(500, "The link")],
        description="A web address starting with https://, for example the report's page on the CQC website.",
    )
    summary = TextAreaField("Summary (optional)", [_length(TEXT_LIMIT, "The summary")])
    report_file = FileField("Report document (optional)")
    # When correcting an inspection: its version when the page was opened (a later change by
    # someone else makes the post stale). Empty for a new inspection.
    version = HiddenField()

    def posted_version(self) -> int | None:
        """The version the post carried (None when it carried none): the raw posted value,
        never the version the form was filled with."""
        # Anything that is not a version makes the post stale (409), never a 500.
        return record_number((self.version.raw_data or [""])[0])


class PublishForm(FlaskForm):
    published_on = IsoDateField(
        "Publication date",
        [InputRequired("Enter the publication date.")],
        noun="The publication date",
        description=f"On or after the last day of the visit. For example, {DATE_EXAMPLE}.",
    )


class FindingForm(FlaskForm):
    """A finding of the report; the department choices are set per request (department ids)."""

    kind = RadioField(
        "Kind of finding",
        choices=_choices(vocab.FINDING_KINDS),
        invalid_choice_message="Choose the kind of finding.",
    )
    department = SelectField(
        "Department",
        choices=[],
        default="",
        invalid_choice_message="Choose a department from the list.",
    )
    key_question = SelectField(
        "Key question (optional)",
        choices=_choices([("", "Not given"), *((kq, kq) for kq in KEY_QUESTIONS)]),
        default="",
        invalid_choice_message="Choose a key question from the list.",
    )
    regulation = SelectField(
        "Regulation breached",
        choices=REGULATION_CHOICES,
        default="",
        invalid_choice_message="Choose a regulation from the list.",
        description="Every must-do finding cites the regulation it breaches, from the Health and Social "
                    "Care Act 2008 (Regulated Activities) Regulations 2014.",
    )
    text = TextAreaField(
        "Finding",
        [DataRequired("Enter the finding."), _length(TEXT_LIMIT, "The finding")],
        description="As the report words it, for example what the trust must or should do.",
    )


class EnforcementForm(FlaskForm):
    """Enforcement that followed the inspection; the scope and department choices are set per request."""

    kind = RadioField(
        "Kind of enforcement",
        choices=_choices(vocab.ENFORCEMENT_KINDS),
        invalid_choice_message="Choose the kind of enforcement.",
    )
    applies_to = RadioField(
        "Applies to",
        choices=[],
        invalid_choice_message="Choose whether it applies to the trust or the hospital.",
    )
    department = SelectField(
        "Department (optional)",
        choices=[],
        default="",
        invalid_choice_message="Choose a department from the list.",
    )
    regulation = SelectField(
        "Regulation (optional)",
        choices=REGULATION_CHOICES,
        default="",
        invalid_choice_message="Choose a regulation from the list.",
        description="Needed for a requirement notice: the regulation that was breached.",
    )
    description = TextAreaField(
        "What it requires",
        [DataRequired("Enter what the enforcement requires."), _length(TEXT_LIMIT, "The description")],
    )
    started_on = IsoDateField(
        "Start date", [InputRequired("Enter the date it started.")], noun="The start date",
        description=f"The date it was served or imposed. For example, {DATE_EXAMPLE}.",
    )
    deadline = IsoDateField(
        "Deadline", [Optional()], noun="The deadline",
        description="Needed for a warning notice or section 29A notice: the date by which improvement is required.",
    )
    ended_on = IsoDateField(
        "End date (optional)", [Optional()], noun="The end date",
        description="When it was lifted or met; for special measures, the date they ended. "
                    "Leave blank while it is in force.",
    )
