"""The upload form of a CQC file."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class UploadForm(FlaskForm):
    file = FileField(
        "CQC file",
        validators=[FileRequired("Choose a CQC file to upload: JSON from the CQC API, or the monthly ratings CSV.")],
        description="Location records from the CQC API (one, a list, or one per line), or CQC's monthly "
                    "latest-ratings file saved as CSV.",
    )
    dry_run = BooleanField(
        "Dry run: show what would change, and save nothing",
        description="Only the import log records that the file was checked.",
    )

    def data_bytes(self) -> bytes:
        storage: Any = self.file.data
        return storage.read() if storage else b""

    def file_name(self) -> str:
        storage: Any = self.file.data
        return (getattr(storage, "filename", None) or "upload")[-255:]
