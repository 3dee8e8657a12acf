"""Helpers every area's forms share: service errors onto form fields."""

from __future__ import annotations

from flask_wtf import FlaskForm

from app.errors import ValidationError


def show_errors(form: FlaskForm, error: ValidationError) -> None:
    """Put a service's field messages on the form's fields; others go to the form itself."""
    for name, message in error.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


class ConfirmForm(FlaskForm):
    """A button that changes something and carries nothing but its CSRF token."""
