"""The upload page of CQC files (the quality team and administrators), its result page, and
the import log. The result is shown in answer to the post; importing the same file again
changes nothing and says so."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.access import requires
from app.extensions import db
from app.files.services import limit_label
from app.forms_support import saved
from app.imports import bp
from app.imports.forms import UploadForm
from app.imports.models import ImportLog
from app.imports.services import ImportResult, import_records

LOG_SHOWN = 50
CHANGES_SHOWN = 500


def _page(form: UploadForm, status: int = 200):  # type: ignore[no-untyped-def]
    logs = db.session.scalars(
        select(ImportLog).options(selectinload(ImportLog.user))
        .order_by(ImportLog.imported_at.desc(), ImportLog.id.desc()).limit(LOG_SHOWN)
    ).all()
    return render_template("imports/upload.html", form=form, logs=logs,
                           size_limit=limit_label()), status


@bp.get("/imports")
@requires("import_data")
def upload_form():
    return _page(UploadForm())


@bp.post("/imports")
@requires("import_data")
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    outcome: list[ImportResult] = []
    user = current_user._get_current_object()

    def change() -> None:
        outcome.append(import_records(form.file_name(), form.data_bytes(), dry_run=form.dry_run.data, user=user))

    if not saved(form, change):
        return _page(form, status=400)
    result = outcome[0]
    return render_template("imports/result.html", result=result, changes=result.changes[:CHANGES_SHOWN],
                           more_changes=max(0, len(result.changes) - CHANGES_SHOWN))
