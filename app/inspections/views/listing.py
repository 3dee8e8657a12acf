"""The list of inspections, filtered and a page at a time, and one inspection's grid (the
cells it gave) as a CSV or JSON download."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, Field, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from app.audit.forms import IsoDateField
from app.auth.access import requires
from app.domain import inspections as vocab
from app.extensions import db
from app.inspections import bp
from app.inspections.changes import inspection_grid
from app.inspections.downloads import csv_response, json_response
from app.inspections.models import Inspection
from app.inspections.queries import newest_first
from app.organisations.models import Hospital

PER_PAGE = 25
OFFICIAL, INTERNAL = "official", "internal"


class InspectionFilterForm(FlaskForm):
    """The list's filters: a GET form, so no CSRF token; every field blank means "any"."""

    class Meta:
        csrf = False

    hospital = SelectField(
        "Hospital",
        default="",
        invalid_choice_message="Hospital must be one of the hospitals in the list",
    )
    source = SelectField(
        "Official or internal",
        default="",
        choices=[
            SelectChoice("", "Official and internal"),
            SelectChoice(OFFICIAL, "Official CQC inspections"),
            SelectChoice(INTERNAL, "Internal (mock or peer review)"),
        ],
        invalid_choice_message="Official or internal must be one of the choices in the list",
    )
    type = SelectField(
        "Type",
        default="",
        choices=[
            SelectChoice("", "Any type"),
            *(SelectChoice(value, label) for value, label in vocab.INSPECTION_TYPES.items()),
        ],
        invalid_choice_message="Type must be one of the types in the list",
    )
    published_from = IsoDateField("Published from", format="%Y-%m-%d", validators=[Optional()],
                                  description="For example, 2016-01-01")
    published_to = IsoDateField("Published to", format="%Y-%m-%d", validators=[Optional()],
                                description="For example, 2019-12-31 (included)")
    # "0" and "false" mean no, as well as leaving it out: links may carry archived=0.
    archived = BooleanField("Include archived inspections", false_values=("", "0", "false", "no"))

    def set_hospitals(self, hospitals: list[tuple[str, str]]) -> None:
        """The hospital choices, as (ODS code, name)."""
        self.hospital.choices = [
            SelectChoice("", "Any hospital"),
            *(SelectChoice(code, name) for code, name in hospitals),
        ]

    def validate_published_to(self, field: Field) -> None:
        if field.data and self.published_from.data and field.data < self.published_from.data:
            raise ValidationError("Published to must be on or after published from")

    def query_args(self) -> dict[str, str]:
        """The filters as given, blanks left out: for the pagination links."""
        args = {name: str(field.raw_data[0]) for name, field in self._fields.items()
                if name != "archived" and field.raw_data and str(field.raw_data[0]).strip()}
        if self.archived.data:
            args["archived"] = "1"
        return args

    def conditions(self) -> list[Any]:
        """The validated filters as query conditions."""
        conditions: list[Any] = []
        if self.hospital.data:
            conditions.append(Hospital.ods_code == self.hospital.data)
        if self.source.data == OFFICIAL:
            conditions.append(Inspection.source == "official")
        elif self.source.data == INTERNAL:
            conditions.append(Inspection.source != "official")
        if self.type.data:
            conditions.append(Inspection.inspection_type == self.type.data)
        if self.published_from.data:
            conditions.append(Inspection.published_on >= self.published_from.data)
        if self.published_to.data:
            conditions.append(Inspection.published_on <= self.published_to.data)
        if not self.archived.data:
            conditions.append(Inspection.archived_at.is_(None))
        return conditions


@dataclass(frozen=True)
class InspectionPage:
    inspections: tuple[Inspection, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.inspections else 0

    @property
    def last(self) -> int:
        return self.first + len(self.inspections) - 1 if self.inspections else 0


def inspections_page(conditions: list[Any], page: int, per_page: int = PER_PAGE) -> InspectionPage:
    """One page of the matching inspections, newest first (drafts on top): two queries."""
    page = max(page, 1)
    total = db.session.scalar(
        select(func.count(Inspection.id))
        .outerjoin(Hospital, Inspection.hospital_id == Hospital.id)
        .where(*conditions)
    ) or 0
    rows = db.session.scalars(
        select(Inspection)
        .outerjoin(Hospital, Inspection.hospital_id == Hospital.id)
        .where(*conditions)
        .options(joinedload(Inspection.hospital), joinedload(Inspection.trust))
        .order_by(*newest_first())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return InspectionPage(tuple(rows), total, page, per_page)


@bp.get("/inspections")
@requires("read")
def inspection_list():
    form = InspectionFilterForm(request.args)
    hospitals = db.session.execute(select(Hospital.ods_code, Hospital.name).order_by(Hospital.name))
    form.set_hospitals([(code, name) for code, name in hospitals])
    context: dict[str, Any] = {"form": form, "vocab": vocab, "query_args": form.query_args()}
    if not form.validate():
        # Bad filters show their errors and no inspections, never an unfiltered list.
        return render_template("inspections/list.html", page=None, **context), 400
    page = inspections_page(form.conditions(), request.args.get("page", 1, type=int))
    if page.page > page.pages:
        abort(404, description=f"The list of inspections has no page {page.page}: "
                               f"it has {page.pages}.")
    return render_template("inspections/list.html", page=page, **context)


def _published_or_404(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404, description=f"There is no inspection number {inspection_id}.")
    if inspection.published_on is None or inspection.status != "published":
        abort(404, description="A draft inspection has no published ratings to download.")
    return inspection


@bp.get("/inspections/<int:inspection_id>/grid.csv")
@requires("read")
def inspection_grid_csv(inspection_id: int):
    inspection = _published_or_404(inspection_id)
    return csv_response(inspection_grid(inspection), inspection)


@bp.get("/inspections/<int:inspection_id>/grid.json")
@requires("read")
def inspection_grid_json(inspection_id: int):
    inspection = _published_or_404(inspection_id)
    return json_response(inspection_grid(inspection), inspection)
