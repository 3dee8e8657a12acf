"""Forms of actions: raising and editing one (the quality team), and the action page's
progress update, workflow buttons and evidence upload.

Each form declares the only fields a post may set. Anything else in the post (a department,
an owner, a status) is never read, so it cannot change the action. Every form that changes an
existing action carries the version it was opened on (a later change makes the post stale).
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.actions import PRIORITIES
from app.forms_support import ArchiveForm, ConfirmForm, record_number
from app.inspections.forms import IsoDateField

__all__ = [
    "ActionForm", "ArchiveForm", "CancelForm", "CompleteForm", "ConfirmForm", "EvidenceForm",
    "NewActionForm", "ProgressUpdateForm", "SendBackForm", "StartForm", "VerifyForm",
]

TEXT_LIMIT = 5000


class _Versioned(FlaskForm):
    """The action's version when the page was opened: a later change makes the post stale."""

    version = HiddenField()

    def posted_version(self) -> int | None:
        # Anything that is not a version makes the post stale (409), never a 500.
        return record_number(self.version.data)


class ProgressUpdateForm(_Versioned):
    text = TextAreaField(
        "Progress update",
        validators=[
            DataRequired("Enter the progress update."),
            Length(max=TEXT_LIMIT, message=f"The update must be {TEXT_LIMIT:,} characters or fewer."),
        ],
        description="What has been done since the last update, and what happens next.",
    )
    percent_complete = IntegerField(
        "Percent complete (optional)",
        validators=[
            Optional(),
            NumberRange(0, 100, message="Percent complete must be a whole number from 0 to 100."),
        ],
        invalid_value_message="Percent complete must be a whole number from 0 to 100, like 40.",
        description="A whole number from 0 to 100.",
    )
    new_due_on = DateField(
        "New due date (optional)",
        validators=[Optional()],
        invalid_value_message="Enter the new due date as a real date, for example 2026-09-30.",
        description="Only if the due date has to move. Use the format YYYY-MM-DD, for example 2026-09-30.",
    )
    due_change_reason = TextAreaField(
        "Why is the due date moving?",
        validators=[
            Length(max=TEXT_LIMIT, message=f"The reason must be {TEXT_LIMIT:,} characters or fewer.")
        ],
        description="Needed when you give a new due date. The board sees how often and how far an action slips.",
    )

    evidence_file = FileField(
        "Evidence (optional)",
        description="A PDF, an image, an Office document or a CSV file that shows the progress.",
    )

    def validate_due_change_reason(self, field: TextAreaField) -> None:
        if self.new_due_on.data is not None and not (field.data or "").strip():
            raise ValidationError("Give a reason for changing the due date.")


class CompleteForm(_Versioned):
    # Ids of their own: this form shares the page with ProgressUpdateForm.
    version = HiddenField(id="complete-version")
    text = TextAreaField(
        "Note (optional)",
        id="complete-text",
        validators=[
            Length(max=TEXT_LIMIT, message=f"The note must be {TEXT_LIMIT:,} characters or fewer.")
        ],
        description="For example, the evidence that the work is done. The quality team then verifies it.",
    )


def _text(label: str, noun: str, *, required: str | None = None, field_id: str, description: str = "") -> TextAreaField:
    checks = [Length(max=TEXT_LIMIT, message=f"{noun} must be {TEXT_LIMIT:,} characters or fewer.")]
    if required:
        checks.insert(0, DataRequired(required))
    return TextAreaField(label, validators=checks, id=field_id, description=description)


class StartForm(_Versioned):
    version = HiddenField(id="start-version")


class VerifyForm(_Versioned):
    version = HiddenField(id="verify-version")
    comment = _text("Comment (optional)", "The comment", field_id="verify-comment",
                    description="For example, the evidence you checked.")


class SendBackForm(_Versioned):
    version = HiddenField(id="send-back-version")
    comment = _text("What still needs doing?", "The comment", field_id="send-back-comment",
                    required="Say what still needs doing before the action is sent back.",
                    description="The owner sees this on the action's timeline.")


class CancelForm(_Versioned):
    version = HiddenField(id="cancel-version")
    reason = _text("Why is the action being cancelled?", "The reason", field_id="cancel-reason",
                   required="Give a reason for cancelling the action.",
                   description="For example, that another action or programme now owns the work.")


class EvidenceForm(_Versioned):
    """A document of evidence, or a new version of one; `replaces` choices are set per request."""

    version = HiddenField(id="evidence-version")
    file = FileField("File", id="evidence-file")
    title = StringField(
        "Title (optional)",
        id="evidence-title",
        validators=[Length(max=200, message="The title must be 200 characters or fewer.")],
        description="What the document is. Leave blank to use the file's name.",
    )
    replaces = SelectField(
        "Is this a new version of a document already here?",
        id="evidence-replaces",
        choices=[SelectChoice("", "No, a new document")],
        default="",  # not in the post when the action has no documents yet
        invalid_choice_message="Choose one of the action's documents, or a new document.",
    )


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(_Versioned):
    """An action's details, for the quality team. Department, owner and finding choices are
    set per request from the action's hospital."""

    title = StringField(
        "Title",
        validators=[
            DataRequired("Enter a title for the action."),
            Length(max=200, message="The title must be 200 characters or fewer."),
        ],
        description="What will be done, in a line. For example, Audit mental health risk assessments monthly.",
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[Length(max=TEXT_LIMIT, message=f"The description must be {TEXT_LIMIT:,} characters or fewer.")],
    )
    department = SelectField(
        "Department",
        choices=[],
        default="",
        invalid_choice_message="Choose a department of the hospital, or none for the whole hospital.",
    )
    owner = SelectField(
        "Owner",
        choices=[],
        validators=[DataRequired("Choose who owns the action.")],
        invalid_choice_message="Choose an owner from the list.",
        description="A department lead can own only the actions of their own departments.",
    )
    priority = RadioField(
        "Priority",
        choices=[SelectChoice(value, label) for value, label in PRIORITIES.items()],
        validators=[InputRequired("Choose the action's priority.")],
        invalid_choice_message="Choose the action's priority.",
    )
    findings = _Checkboxes(
        "Findings it answers (optional)",
        choices=[],
        coerce=str,
        invalid_choice_message="Choose findings from the list.",
    )


class NewActionForm(ActionForm):
    due_on = IsoDateField(
        "Due date",
        [InputRequired("Enter the due date.")],
        noun="The due date",
        description="For example, 2027-03-31. Later changes go through a progress update with a reason.",
    )
    incident = SelectField(
        "Incident (optional)", choices=[SelectChoice("", "None")], default="",
        invalid_choice_message="Choose an incident from the list, or none.",
    )

    def validate_due_on(self, field: IsoDateField) -> None:
        if field.data is not None and field.data < date.today():
            raise ValidationError("The due date must be today or later.")
