"""Making an export (open data or the offline bundle) into a folder or a zip file, and the
audit trail's record of who exported what.

An export changes no record, so the audit trail has no record change to show; it gets one
event per export all the same (record kind "data_exports", numbered 1, 2, 3 ... like the
synthetic loads' single event), so that who took a copy of the data, and when, is on the trail.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Callable

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.exports.offline import write_offline
from app.exports.opendata import write_open_data
from app.extensions import db

AUDIT_KIND = "data_exports"


@dataclass(frozen=True)
class ExportKind:
    name: str  # as recorded in the audit event
    folder: str  # the zip's top folder, before the date
    write: Callable[[Path, date, datetime], Any]


OPEN_DATA = ExportKind("open_data", "quality-ledger-open-data", write_open_data)
OFFLINE = ExportKind("offline_bundle", "quality-ledger-offline", write_offline)


def folder_name(kind: ExportKind, as_of: date) -> str:
    return f"{kind.folder}-{as_of.isoformat()}"


def record_export(kind: ExportKind, *, actor: Any, as_of: date, target: str, files: int) -> AuditEvent:
    """One audit event for one export: what, as of when, where to and how many files. Written
    after the export is made (a failed export leaves no event); the caller commits."""
    number = (db.session.scalar(select(func.max(AuditEvent.record_id)).where(AuditEvent.record_kind == AUDIT_KIND)) or 0) + 1
    event = AuditEvent(
        action="create",
        record_kind=AUDIT_KIND,
        record_id=number,
        user_id=getattr(actor, "id", None),
        changes={
            "export": [None, kind.name],
            "as_of": [None, as_of.isoformat()],
            "target": [None, target],
            "files": [None, files],
        },
    )
    db.session.add(event)
    db.session.flush()
    return event


def export_zip(kind: ExportKind, as_of: date, generated_at: datetime) -> tuple[IO[bytes], str, int]:
    """The export as a zip file (a temporary file, rewound, that disappears when closed), the
    name to download it under, and how many files it holds. The files sit in one top folder
    named for the export and its date, so that unzipping makes one folder."""
    top = folder_name(kind, as_of)
    archive = tempfile.TemporaryFile()
    with tempfile.TemporaryDirectory(prefix="ql-export-") as work:
        root = Path(work) / top
        kind.write(root, as_of, generated_at)
        files = sorted(p for p in root.rglob("*") if p.is_file())
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for path in files:
                zipped.write(path, arcname=f"{top}/{path.relative_to(root).as_posix()}")
    archive.seek(0, os.SEEK_SET)
    return archive, f"{top}.zip", len(files)
