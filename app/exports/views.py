"""Exports: a page that explains them, and each as a zip file to download."""

from __future__ import annotations

from datetime import date

from flask import render_template, send_file
from flask_login import current_user

from app.auth.access import requires
from app.exports import bp
from app.exports.opendata import FILES
from app.exports.services import OFFLINE, OPEN_DATA, ExportKind, export_zip, record_export
from app.extensions import db
from app.models_support import utcnow


@bp.get("/exports")
@requires("export_data")
def index():
    return render_template("exports/index.html", files=FILES)


def _download(kind: ExportKind):  # type: ignore[no-untyped-def]
    as_of = date.today()
    archive, name, files = export_zip(kind, as_of, utcnow())
    # End the read transaction before writing the audit event: on SQLite a safe request's
    # transaction is deferred, and one that read and then writes cannot wait for the lock.
    db.session.rollback()
    record_export(kind, actor=current_user._get_current_object(), as_of=as_of, target=f"download {name}", files=files)
    db.session.commit()
    response = send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/open-data.zip")
@requires("export_data")
def open_data():
    return _download(OPEN_DATA)


@bp.get("/exports/offline.zip")
@requires("export_data")
def offline():
    return _download(OFFLINE)
