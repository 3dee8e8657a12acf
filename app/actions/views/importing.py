"""The CSV import of actions (the quality team): the upload form and the page of columns it
expects, the template file, and the import itself, which saves every row or none.

The summary is shown in answer to the post itself: posting the same file again would be
refused row by row (each action already exists), so a reload cannot import twice.
"""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from app.actions import bp
from app.actions.imports import MAX_PROBLEMS_SHOWN, import_actions
from app.actions.list_forms import ImportForm
from app.auth.access import requires
from app.domain import action_import as rules
from app.extensions import db


def _page(form: ImportForm, problems: list[rules.Problem] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    problems = problems or []
    return render_template(
        "actions/import.html",
        form=form,
        columns=rules.COLUMNS,
        max_rows=rules.MAX_ROWS,
        max_megabytes=rules.MAX_BYTES // (1024 * 1024),
        problems=problems[:MAX_PROBLEMS_SHOWN],
        more_problems=max(0, len(problems) - MAX_PROBLEMS_SHOWN),
    ), status


@bp.get("/actions/import")
@requires("manage_actions")
def import_form():
    return _page(ImportForm())


@bp.post("/actions/import")
@requires("manage_actions")
def import_upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    outcome = import_actions(form.data_bytes(), actor=current_user._get_current_object())
    if outcome.problems:
        db.session.rollback()
        return _page(form, outcome.problems, status=400)
    created = [(action.id, action.title, action.hospital.name,
                action.department.name if action.department else None, action.owner.name, action.due_on)
               for action in outcome.created]
    db.session.commit()
    return render_template("actions/import_done.html", created=created)


@bp.get("/actions/import/template.csv")
@requires("manage_actions")
def import_template():
    return Response(
        "\ufeff" + rules.template_text(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="actions-import-template.csv"'},
    )
