"""Helpers every area's forms share: service errors onto form fields, committing a change or
showing why it was refused, and the forms of one-button changes and archiving."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.errors import ValidationError
from app.extensions import db


# The most digits a record's number may have: 18 always fits a 64-bit integer column.
_MAX_DIGITS = 18


def record_number(value: str | None) -> int | None:
    """A record's number (an id, a version) as a request gave it, or None when the text is not
    one: ASCII digits only ("²".isdigit() is true, int("²") fails) and short enough to fit the
    database's integer column (a longer one would be a 500, not a "no such record")."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS else None


def show_errors(form: FlaskForm, error: ValidationError) -> None:
    """Put a service's field messages on the form's fields; others go to the form itself."""
    for name, message in error.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def saved(form: FlaskForm, change: Callable[[], Any]) -> bool:
    """Make one request's change: commit when the service accepts it; when it refuses, roll
    back (nothing half-saved) and put its messages on the form. True when saved."""
    try:
        change()
    except ValidationError as error:
        db.session.rollback()
        show_errors(form, error)
        return False
    db.session.commit()
    return True


class ConfirmForm(FlaskForm):
    """A button that changes something and carries nothing but its CSRF token."""


class ArchiveForm(FlaskForm):
    """Archiving an inspection, finding or action: only the reason is read from the post."""

    reason = TextAreaField(
        "Why are you archiving this?",
        validators=[
            DataRequired("Enter why this record is being archived."),
            Length(max=2000, message="The reason must be 2,000 characters or fewer."),
        ],
        description="The reason is kept in the record's history. Archived records can be restored.",
    )


@dataclass(frozen=True)
class ArchiveProblem:
    """Why an archive or restore was refused, for the page that shows the record again: the
    message, the record it is about, and the reason typed (so it is not lost)."""

    message: str
    noun: str  # "inspection", "finding", "action": also names the reason box's id
    record_id: int
    on_field: bool = True  # False when the record has no reason box on the page (a restore)
    reason: str = ""

    @property
    def field_id(self) -> str:
        return f"{self.noun}-{self.record_id}-reason"
