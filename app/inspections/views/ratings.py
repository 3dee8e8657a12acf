"""The ratings grid form: every cell an inspection gave, entered or changed in one form, with
the suggested Overall of each row beside the entered one (app.domain.aggregate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import Field

from app.auth.access import requires
from app.domain import inspections as vocab
from app.domain.aggregate import differs
from app.domain.catalogue import SERVICES
from app.domain.grid import GridCell
from app.domain.ratings import GRID_COLUMNS, KEY_QUESTIONS, NON_RATINGS, OVERALL, RATINGS, is_rating
from app.extensions import db
from app.forms_support import saved
from app.inspections import bp
from app.inspections import services
from app.inspections.forms import BLANK_CELL, RatingsGridForm, ratings_grid_form
from app.inspections.models import Inspection, KeyQuestionScore
from app.inspections.services import CellInput, RowSuggestion
from app.organisations.models import Department

_SERVICE_ORDER = {code: index for index, code in enumerate(SERVICES)}
# A trust-level review gives the trust's Well-led (and Overall); the trust's other key questions
# come from its hospitals (DOMAIN.md "The ratings grid").
TRUST_REVIEW_COLUMNS = ("Well-led", OVERALL)


@dataclass(frozen=True)
class GridRow:
    """One row of the form: its key ("hospital", "trust", "department-<id>"), its label, and the
    columns it offers."""

    key: str
    label: str
    scope: str
    department: Department | None
    columns: tuple[str, ...]
    note: str | None = None

    @property
    def whole(self) -> bool:
        return self.scope != "department"


@dataclass(frozen=True)
class CellView:
    column: str
    field: Field
    before: GridCell | None  # the rating carried forward from earlier reports
    saf: KeyQuestionScore | None  # this report's SAF result for the key question
    from_services: RowSuggestion | None  # the hospital row: the suggestion from its services


@dataclass(frozen=True)
class RowView:
    row: GridRow
    cells: tuple[CellView | None, ...]  # one per table column; None where the row has no cell
    carried: dict[str, str]  # key question -> rating carried forward, for the script
    suggestion: RowSuggestion
    overall: str
    differs: bool
    reason: Field


def inspection_or_404(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404, description=f"There is no inspection number {inspection_id}.")
    return inspection


def grid_rows(inspection: Inspection) -> list[GridRow]:
    """The rows of the form: for a hospital, each department still in the grid on the report's
    date (not retired, not replaced by a rated successor) and any other department this report
    already rated, then the hospital; for a trust-level review, the trust. A row or column that already holds a cell is always shown, so that
    saving the form never drops a cell nobody could see."""
    stored = {(c.scope, c.department_id): set() for c in inspection.cells}
    for cell in inspection.cells:
        stored[(cell.scope, cell.department_id)].add(cell.key_question)
    rows: list[GridRow] = []
    if inspection.hospital is not None:
        on = services.report_date(inspection)
        ended = services.ended_rows(inspection)
        departments = [
            d for d in inspection.hospital.departments
            if services.row_key("department", d.id) not in ended or ("department", d.id) in stored
        ]
        departments.sort(key=lambda d: (_SERVICE_ORDER.get(d.service_code, len(_SERVICE_ORDER)), d.name))
        for d in departments:
            note = None
            if services.row_key("department", d.id) in ended:
                retired = d.retired_on is not None and d.retired_on <= on
                note = f"retired {d.retired_on:%B %Y}" if retired else "replaced by a renamed service"
            rows.append(GridRow(services.row_key("department", d.id), d.name, "department", d, GRID_COLUMNS, note))
        rows.append(GridRow("hospital", f"Overall for {inspection.hospital.name}", "hospital", None, GRID_COLUMNS))
        if ("trust", None) in stored:
            rows.append(GridRow("trust", f"Trust: {inspection.trust.name}", "trust", None, GRID_COLUMNS))
    else:
        given = stored.get(("trust", None), set())
        columns = tuple(c for c in GRID_COLUMNS if c in TRUST_REVIEW_COLUMNS or c in given)
        rows.append(GridRow("trust", f"Trust: {inspection.trust.name}", "trust", None, columns))
    return rows


def _initial(inspection: Inspection) -> dict[str, str]:
    data: dict[str, str] = {}
    for cell in inspection.cells:
        row = services.row_key(cell.scope, cell.department_id)
        data[services.cell_field(row, cell.key_question)] = cell.rating
        if cell.key_question == OVERALL and cell.override_reason:
            data[services.reason_field(row)] = cell.override_reason
    return data


def build_form(inspection: Inspection, rows: list[GridRow]) -> RatingsGridForm:
    cells = {
        services.cell_field(row.key, column): f"{row.label}, {column}"
        for row in rows
        for column in row.columns
    }
    reasons = {
        services.reason_field(row.key): f"Why the Overall for {row.label} differs from the suggestion"
        for row in rows
        if OVERALL in row.columns
    }
    return ratings_grid_form(cells, reasons, _initial(inspection))


def _value(form: RatingsGridForm, row: GridRow, column: str) -> str:
    field = form._fields.get(services.cell_field(row.key, column))
    return (field.data or "").strip() if field is not None and isinstance(field.data, str) else ""


def row_views(inspection: Inspection, rows: list[GridRow], form: RatingsGridForm) -> list[RowView]:
    """Each row with its cells' fields, what they carry forward, and the suggested Overall from
    the values in the form (entered, or carried forward where left blank)."""
    carried = services.carried_forward(inspection)
    saf = {
        (services.row_key(r.scope, r.department_id), r.key_question): r
        for r in db.session.scalars(select(KeyQuestionScore).where(KeyQuestionScore.inspection_id == inspection.id))
    }
    columns = table_columns(rows)
    department_rows = [row for row in rows if row.scope == "department"]
    by_column: dict[str, RowSuggestion] = {}
    for column in KEY_QUESTIONS:
        entered = {row.key: _value(form, row, column) for row in department_rows if column in row.columns}
        before = {
            row.key: carried[(row.key, column)].rating for row in department_rows if (row.key, column) in carried
        }
        by_column[column] = services.suggest_over(entered, before, [row.key for row in department_rows])

    views = []
    for row in rows:
        before = {kq: cell.rating for (key, kq), cell in carried.items() if key == row.key}
        entered = {column: _value(form, row, column) for column in row.columns if column != OVERALL}
        suggestion = services.suggest_over(entered, before, KEY_QUESTIONS)
        overall = _value(form, row, OVERALL) if OVERALL in row.columns else ""
        cells = tuple(
            CellView(
                column=column,
                field=form[services.cell_field(row.key, column)],
                before=carried.get((row.key, column)),
                saf=saf.get((row.key, column)),
                from_services=by_column.get(column) if row.scope == "hospital" and department_rows else None,
            )
            if column in row.columns
            else None
            for column in columns
        )
        views.append(
            RowView(
                row=row,
                cells=cells,
                carried={kq: rating for kq, rating in before.items() if kq in KEY_QUESTIONS},
                suggestion=suggestion,
                overall=overall,
                differs=is_rating(overall) and differs(suggestion.suggestion, overall),
                reason=form[services.reason_field(row.key)] if OVERALL in row.columns else None,  # type: ignore[arg-type]
            )
        )
    return views


def table_columns(rows: list[GridRow]) -> tuple[str, ...]:
    present = {column for row in rows for column in row.columns}
    return tuple(column for column in GRID_COLUMNS if column in present)


def _cells(rows: list[GridRow], form: RatingsGridForm) -> list[CellInput]:
    cells = []
    for row in rows:
        field = form._fields.get(services.reason_field(row.key))
        reason = (field.data or "").strip() if field is not None else ""
        for column in row.columns:
            value = _value(form, row, column)
            if not value:
                continue  # blank: not rated in this report, the earlier rating carries forward
            cells.append(
                CellInput(
                    key_question=column,
                    rating=value,
                    department=row.department,
                    trust_row=row.scope == "trust",
                    override_reason=(reason or None) if column == OVERALL else None,
                )
            )
    return cells


def _saved_message(result: services.RatingsSaved) -> str:
    if not result.changed:
        return "No ratings were changed."
    parts = [
        f"{count} {'cell' if count == 1 else 'cells'} {verb}"
        for count, verb in ((result.created, "added"), (result.updated, "changed"), (result.removed, "removed"))
        if count
    ]
    return "The ratings have been saved: " + ", ".join(parts) + "."


def _render(inspection: Inspection, rows: list[GridRow], form: RatingsGridForm, *, status: int = 200, checked: bool = False) -> Any:
    return render_template(
        "inspections/ratings_form.html",
        inspection=inspection,
        form=form,
        rows=row_views(inspection, rows, form),
        columns=table_columns(rows),
        report_date=services.report_date(inspection),
        checked=checked,
        blank_cell=BLANK_CELL,
        ratings=RATINGS,
        non_ratings=NON_RATINGS,
        correction_field=services.CORRECTION_FIELD,
        vocab=vocab,
    ), status


@bp.route("/inspections/<int:inspection_id>/ratings", methods=["GET", "POST"])
@requires("record_inspections")
def ratings_grid(inspection_id: int):
    inspection = inspection_or_404(inspection_id)
    rows = grid_rows(inspection)
    form = build_form(inspection, rows)
    if request.method == "POST" and request.form.get("action") == "check":
        # "Check suggestions" without JavaScript: show the suggestions for what was chosen,
        # save nothing.
        return _render(inspection, rows, form, status=200 if form.validate() else 400, checked=True)
    outcome: list[services.RatingsSaved] = []
    if form.validate_on_submit() and saved(form, lambda: outcome.append(services.replace_ratings(
        inspection,
        _cells(rows, form),
        correction_reason=form.correction_reason.data,
        actor=current_user._get_current_object(),
    ))):
        flash(_saved_message(outcome[0]))
        return redirect(url_for("inspections.inspection", inspection_id=inspection.id, _anchor="ratings"))
    return _render(inspection, rows, form, status=400 if request.method == "POST" else 200)
