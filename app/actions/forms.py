"""Forms of the action page: a department lead's progress update and marking an action done.

Each form declares the only fields a post may set. Anything else in the post (a department,
an owner, a status) is never read, so it cannot change the action.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.forms_support import ArchiveForm, ConfirmForm

__all__ = ["ArchiveForm", "CompleteForm", "ConfirmForm", "ProgressUpdateForm"]

TEXT_LIMIT = 5000


class _Versioned(FlaskForm):
    """The action's version when the page was opened: a later change makes the post stale."""

    version = HiddenField()

    def posted_version(self) -> int | None:
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else None


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
