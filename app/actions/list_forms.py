"""Forms of the lists of actions: the board's filters, My actions' options (GET forms, so no
CSRF token; every field blank means "any"), and the CSV import's upload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from app.actions.queries import DEFAULT_SORT, SORTS, UNFINISHED, ActionFilters, Choices
from app.domain.actions import STATUSES

# "0" and "false" mean no, as well as leaving it out: links may carry overdue=0.
FALSE_VALUES = ("", "0", "false", "no")
MAX_DUE_WITHIN = 366


def _sort_field() -> SelectField:
    return SelectField(
        "Sort by",
        default=DEFAULT_SORT,
        choices=[SelectChoice(key, label) for key, (label, _order) in SORTS.items()],
        invalid_choice_message="Sort by must be one of the orders in the list",
    )


class _ListForm(FlaskForm):
    class Meta:
        csrf = False

    def query_args(self) -> dict[str, str]:
        """The options as given, blanks and defaults left out: for the page and export links."""
        args = {}
        for name, field in self._fields.items():
            if isinstance(field, BooleanField):
                if field.data:
                    args[name] = "1"
            elif field.raw_data and str(field.raw_data[0]).strip():
                value = str(field.raw_data[0]).strip()
                if not (name == "sort" and value == DEFAULT_SORT):
                    args[name] = value
        return args


NARROWING_HINTS = {
    "hospital": "Choose a trust and apply the filters to choose one of its hospitals.",
    "department": "Choose a trust or a hospital and apply the filters to choose one of its departments.",
    "owner": "Choose a trust or a hospital and apply the filters to choose one of the owners of its actions.",
}


def chosen(args: Mapping[str, str]) -> dict[str, str | None]:
    """The trust, hospital, department and owner a request chose, as given (for the choices)."""
    return {name: (args.get(name) or None) for name in ("trust", "hospital", "department", "owner")}


class ActionFilterForm(_ListForm):
    """The actions board's filters and sort order."""

    trust = SelectField("Trust", default="", invalid_choice_message="Trust must be one of the trusts in the list")
    hospital = SelectField("Hospital", default="",
                           invalid_choice_message="Hospital must be one of the hospitals in the list")
    department = SelectField("Department", default="",
                             invalid_choice_message="Department must be one of the departments in the list")
    status = SelectField(
        "Status",
        default="",
        choices=[
            SelectChoice("", "Any status"),
            SelectChoice(UNFINISHED, "Not finished (open or in progress)"),
            *(SelectChoice(value, label) for value, label in STATUSES.items()),
        ],
        invalid_choice_message="Status must be one of the statuses in the list",
    )
    owner = SelectField("Owner", default="", invalid_choice_message="Owner must be one of the owners in the list")
    due_within = IntegerField(
        "Due within (days)",
        validators=[Optional(), NumberRange(1, MAX_DUE_WITHIN,
                                            message=f"Due within must be from 1 to {MAX_DUE_WITHIN} days")],
        invalid_value_message="Due within must be a whole number of days, like 30",
        description="Not finished and due from today to this many days ahead, for example 30",
    )
    sort = _sort_field()
    overdue = BooleanField("Overdue only", false_values=FALSE_VALUES)
    must_do = BooleanField("Only actions answering a must-do finding", false_values=FALSE_VALUES)
    archived = BooleanField("Include archived actions", false_values=FALSE_VALUES)

    def set_choices(self, choices: Choices) -> None:
        self._ids = choices.ids
        self.trust.choices = [SelectChoice("", "Any trust"), *(SelectChoice(v, l) for v, l in choices.trusts)]
        self.hospital.choices = [SelectChoice("", "Any hospital"), *(SelectChoice(v, l) for v, l in choices.hospitals)]
        self.department.choices = [
            SelectChoice("", "Any department"), *(SelectChoice(v, l) for v, l in choices.departments)
        ]
        self.owner.choices = [SelectChoice("", "Anyone"), *(SelectChoice(v, l) for v, l in choices.owners)]
        # Lists too long to offer whole say how to narrow them (without JavaScript: apply).
        for name, hint in NARROWING_HINTS.items():
            if name in choices.narrowed:
                self[name].description = hint

    def filters(self) -> ActionFilters:
        """The validated filters."""
        def id_of(kind: str, code: str | None) -> int | None:
            return self._ids[kind][code] if code else None

        return ActionFilters(
            trust_id=id_of("trust", self.trust.data),
            hospital_id=id_of("hospital", self.hospital.data),
            department_id=id_of("department", self.department.data),
            status=self.status.data or None,
            overdue=bool(self.overdue.data),
            due_within=self.due_within.data,
            must_do=bool(self.must_do.data),
            owner_id=int(self.owner.data) if self.owner.data else None,
            archived=bool(self.archived.data),
        )


class MyActionsForm(_ListForm):
    """My actions' options: the sort order, and whether closed actions are shown too."""

    sort = _sort_field()
    closed = BooleanField("Include closed actions (verified or cancelled)", false_values=FALSE_VALUES)


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file of actions",
        validators=[FileRequired("Choose a CSV file of actions to upload.")],
        description="One row per action, with the template's header row as the first line.",
    )

    def data_bytes(self) -> bytes:
        storage: Any = self.file.data
        return storage.read() if storage else b""
