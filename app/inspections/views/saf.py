"""Single Assessment Framework scores of one row of an inspection: each quality statement scored
1–4, and each key question's percentage and resulting rating (app.domain.saf)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import requires
from app.domain import inspections as vocab
from app.domain.saf import HIGHEST_SCORE, LOWEST_SCORE, load_quality_statements
from app.extensions import db
from app.forms_support import record_number, saved
from app.inspections import bp, services
from app.inspections.forms import SCORE_CHOICES, SafScoresForm, saf_scores_form
from app.inspections.models import Inspection, QualityStatementScore
from app.inspections.views.ratings import GridRow, grid_rows, inspection_or_404
from app.organisations.models import Department


def _row(inspection: Inspection, rows: list[GridRow], key: str | None) -> GridRow:
    """The row asked for (?row=hospital, ?row=department-<id>, ?row=trust); by default the
    hospital's own row, or the trust's for a trust-level review. Unknown rows are 404."""
    key = key or ("hospital" if inspection.hospital is not None else "trust")
    for row in rows:
        if row.key == key:
            return row
    # A department no longer in the grid form (retired) may still have scores to see.
    number = record_number(key[len("department-"):]) if key.startswith("department-") else None
    if number is not None and inspection.hospital:
        department = db.session.get(Department, number)
        if department is not None and department.hospital_id == inspection.hospital.id:
            return GridRow(key, department.name, "department", department, ())
    abort(404, description=f"This inspection has no row {key!r}.")


def row_name(inspection: Inspection, row: GridRow) -> str:
    return services.row_label(inspection, row.scope, row.department)


def _stored(inspection: Inspection, row: GridRow) -> dict[str, str]:
    query = select(QualityStatementScore).where(
        QualityStatementScore.inspection_id == inspection.id,
        QualityStatementScore.scope == row.scope,
    )
    if row.department is not None:
        query = query.where(QualityStatementScore.department_id == row.department.id)
    else:
        query = query.where(QualityStatementScore.department_id.is_(None))
    return {services.score_field(s.statement_code): str(s.score) for s in db.session.scalars(query)}


def _posted_scores(form: SafScoresForm, codes: list[str]) -> dict[str, object]:
    return {code: form[services.score_field(code)].data for code in codes}


def _for_display(scores: dict[str, object]) -> dict[str, int | None]:
    """Scores as numbers for the live results; a value that is not a score counts as unscored
    (the save refuses it with a message on its statement)."""
    shown: dict[str, int | None] = {}
    for code, value in scores.items():
        try:
            shown[code] = services.parse_score(value)
        except (TypeError, ValueError):
            shown[code] = None
    return shown


def _render(inspection: Inspection, rows: list[GridRow], row: GridRow, form: SafScoresForm, *, status: int = 200, calculated: bool = False) -> Any:
    statements = load_quality_statements()
    codes = [s.code for items in statements.values() for s in items]
    results = services.saf_results(statements, _for_display(_posted_scores(form, codes)))
    return render_template(
        "inspections/saf_form.html",
        inspection=inspection,
        rows=rows,
        row=row,
        row_name=lambda r: row_name(inspection, r),
        form=form,
        statements=statements,
        results=results,
        score_field=services.score_field,
        score_choices=SCORE_CHOICES,
        lowest=LOWEST_SCORE,
        highest=HIGHEST_SCORE,
        calculated=calculated,
        vocab=vocab,
    ), status


@bp.route("/inspections/<int:inspection_id>/saf", methods=["GET", "POST"])
@requires("record_inspections")
def saf_scores(inspection_id: int):
    inspection = inspection_or_404(inspection_id)
    rows = grid_rows(inspection)
    row = _row(inspection, rows, request.args.get("row"))
    statements = load_quality_statements()
    fields = {services.score_field(s.code): s.title for items in statements.values() for s in items}
    form = saf_scores_form(fields, _stored(inspection, row))
    codes = [s.code for items in statements.values() for s in items]
    if request.method == "POST" and request.form.get("action") == "calculate":
        # "Calculate" without JavaScript: show the results of the scores chosen, save nothing.
        return _render(inspection, rows, row, form, status=200 if form.validate() else 400, calculated=True)
    outcome: list[services.SafSaved] = []
    if form.validate_on_submit() and saved(form, lambda: outcome.append(services.replace_saf_scores(
        inspection,
        _posted_scores(form, codes),
        department=row.department,
        trust_row=row.scope == "trust",
        actor=current_user._get_current_object(),
    ))):
        result = outcome[0]
        if not result.changed:
            flash(f"No scores were changed for {row_name(inspection, row)}.")
        else:
            summary = ", ".join(f"{kq} {r.percent}% ({r.rating})" for kq, r in result.results.items())
            flash(f"The quality statement scores for {row_name(inspection, row)} have been saved"
                  + (f": {summary}." if summary else ". No statement is scored."))
        return redirect(url_for("inspections.saf_scores", inspection_id=inspection.id, row=row.key))
    return _render(inspection, rows, row, form, status=400 if request.method == "POST" else 200)
