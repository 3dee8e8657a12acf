"""The audit log's filters: a GET form, so no CSRF token; every field blank means "any"."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, Field, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from app.audit.models import AUDIT_ACTIONS
from app.audit.log import AuditFilters

SYSTEM = "system"  # the user choice for events no signed-in user made


class IsoDateField(DateField):
    """A YYYY-MM-DD date whose error names the field, rather than WTForms' "Not a valid date value"."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata([str(value).strip() for value in valuelist])
        except ValueError as error:
            raise ValueError(
                f"{self.label.text} must be a real date in the format YYYY-MM-DD, for example 2024-03-17"
            ) from error


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # A bookmarked link may name a choice that no longer exists, a hand-edited one a choice
    # that never did: each says so at its field.
    user = SelectField("User", default="", invalid_choice_message="User must be one of the users in the list")
    kind = SelectField("Record kind", default="",
                       invalid_choice_message="Record kind must be one of the kinds in the list")
    action = SelectField(
        "Action", default="",
        choices=[SelectChoice("", "Any action"), *(SelectChoice(a, a.capitalize()) for a in AUDIT_ACTIONS)],
        invalid_choice_message="Action must be one of " + ", ".join(AUDIT_ACTIONS),
    )
    date_from = IsoDateField("Date from", format="%Y-%m-%d", validators=[Optional()],
                             description="For example, 2024-03-01")
    date_to = IsoDateField("Date to", format="%Y-%m-%d", validators=[Optional()],
                           description="For example, 2024-03-31 (included)")

    def set_choices(self, users: list[tuple[str, str]], kinds: list[tuple[str, str]]) -> None:
        self.user.choices = [
            SelectChoice("", "Anyone"), SelectChoice(SYSTEM, "System (no signed-in user)"),
            *(SelectChoice(value, label) for value, label in users),
        ]
        self.kind.choices = [SelectChoice("", "Any kind of record"), *(SelectChoice(v, l) for v, l in kinds)]

    def validate_date_to(self, field: Field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Date to must be on or after date from")

    def filters(self) -> AuditFilters:
        """The validated filters."""
        user = self.user.data or ""
        return AuditFilters(
            user_id=int(user) if user.isdigit() else None,
            by_system=user == SYSTEM,
            record_kind=self.kind.data or None,
            action=self.action.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as they were given, blanks left out: for the page and export links."""
        return {name: str(field.raw_data[0]) for name, field in self._fields.items()
                if field.raw_data and str(field.raw_data[0]).strip()}
