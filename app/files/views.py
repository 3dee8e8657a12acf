"""Downloading a stored file: always as an attachment, under its safe name, with the content
type its content was checked to have (X-Content-Type-Options: nosniff is set on every response).

`attachment` is the one way any area sends a stored file (the action page's evidence too), so
each area checks who may read the record the file belongs to and leaves the sending to it.
"""

from __future__ import annotations

from flask import Response, abort, current_app, send_file

from app.auth.access import requires
from app.extensions import db
from app.files import bp
from app.files.models import StoredFile
from app.files.services import path_of


def attachment(stored: StoredFile) -> Response:
    """The stored file's content as a download (404 when its content is missing from disk)."""
    path = path_of(stored)
    if not path.is_file():
        current_app.logger.error("Stored file %s is missing from %s", stored.id, path)
        abort(404, description="The file's content is missing. Tell the quality team.")
    response = send_file(
        path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.original_filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    # Trust governance documents are never kept in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/files/<int:file_id>")
@requires("read")
def download(file_id: int):
    stored = db.session.get(StoredFile, file_id)
    if stored is None:
        abort(404, description=f"There is no file number {file_id}.")
    return attachment(stored)
