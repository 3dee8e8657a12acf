"""The board pack's choice: a trust or a hospital, and the date of the position."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from app.extensions import db
from app.organisations.models import Hospital, Trust

SUBJECT_MESSAGE = "Choose the trust or the hospital the board pack is about."
DATE_MESSAGE = "Enter the date of the position as a real date, for example 2026-10-31."


def subject_choices() -> list[SelectChoice]:
    """Each trust (the whole trust), then its hospitals, grouped by trust: one query."""
    choices = []
    rows = db.session.execute(
        select(Trust.ods_code, Trust.name, Hospital.ods_code, Hospital.name)
        .outerjoin(Hospital, Hospital.trust_id == Trust.id)
        .order_by(Trust.name, Hospital.name)
    ).all()
    seen = set()
    for trust_code, trust_name, hospital_code, hospital_name in rows:
        if trust_code not in seen:
            seen.add(trust_code)
            choices.append(SelectChoice(trust_code, f"{trust_name} (the whole trust)", optgroup=trust_name))
        if hospital_code:
            choices.append(SelectChoice(hospital_code, hospital_name, optgroup=trust_name))
    return choices


class PositionDate(DateField):
    """A date field whose message says what to enter; a blank box is no date (None)."""

    def process_formdata(self, valuelist):  # type: ignore[no-untyped-def]
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata([valuelist[0].strip()])
        except ValueError:
            self.data = None
            raise ValueError(DATE_MESSAGE) from None


def _not_in_future(form: FlaskForm, field: DateField) -> None:
    if field.data and field.data > date.today():
        raise ValidationError("The date of the position must be today or in the past.")


class _PackFields(FlaskForm):
    subject = SelectField(
        "Trust or hospital",
        validators=[InputRequired(SUBJECT_MESSAGE)],
        invalid_choice_message=SUBJECT_MESSAGE,
        validate_choice=True,
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.subject.choices = subject_choices()


class PackForm(_PackFields):
    """The preview's GET form: no CSRF token; a blank date means today."""

    class Meta:
        csrf = False

    as_of = PositionDate(
        "Position as of",
        format="%Y-%m-%d",
        validators=[_not_in_future],
        description="Leave blank for today. If you type it, use year-month-day, for example 2026-10-31.",
    )


class IssueForm(_PackFields):
    """Issuing a pack to the board: the same choice, posted with its CSRF token."""

    as_of = PositionDate(
        "Position as of",
        format="%Y-%m-%d",
        validators=[DataRequired(DATE_MESSAGE), _not_in_future],
    )
