"""Storing uploads: read with a size limit, checked against their content, written outside the
web root under a random key, audited, and removed again if the transaction that stored them
does not commit (so a refused or failed request leaves no file behind).

A form that stores a file together with other changes calls `check` first, with the other
validation, and `save` only once everything has passed; `store` does both for a lone upload.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from app.audit.services import record
from app.domain.files import EVIDENCE, FileRefused, accept, size_label
from app.errors import ValidationError
from app.extensions import db
from app.files.models import StoredFile
from app.models_support import utcnow

log = logging.getLogger(__name__)

PDF_ONLY = frozenset({"pdf"})
__all__ = ["EVIDENCE", "PDF_ONLY", "Upload", "check", "limit_label", "path_of", "save", "store"]
_CHUNK = 64 * 1024
_KEY = re.compile(r"[0-9a-f]{32}")
# session.info key: files written in the session's current transaction, not yet committed.
_PENDING = "stored_files_uncommitted"


@dataclass(frozen=True)
class Upload:
    """A checked upload, not yet stored."""

    filename: str  # made safe
    content_type: str
    content: bytes
    sha256: str


def size_limit() -> int:
    """The largest upload accepted, in bytes: MAX_CONTENT_LENGTH (set from MAX_UPLOAD_MB)."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def limit_label(limit: int | None = None) -> str:
    """'20 MB': the limit as messages give it."""
    return size_label(size_limit() if limit is None else limit)


def _read(stream: IO[bytes], limit: int) -> bytes | None:
    """The whole stream, or None as soon as it proves longer than `limit` bytes."""
    chunks, total = [], 0
    while chunk := stream.read(min(_CHUNK, limit + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
    return b"".join(chunks)


def check(
    upload: FileStorage | None, *, allowed: Collection[str] = PDF_ONLY, field: str = "file"
) -> Upload:
    """Read and check an upload; ValidationError({field: message}) when it cannot be accepted.

    The request size limit (MAX_CONTENT_LENGTH) already refuses bigger requests with a 413;
    this checks again for uploads that did not come through a request.
    """
    if upload is None or not upload.filename:
        raise ValidationError({field: "Select a file."})
    limit = size_limit()
    content = _read(upload.stream, limit)
    if content is None:
        raise ValidationError({field: f"The selected file must be smaller than {limit_label(limit)}."})
    try:
        accepted = accept(upload.filename, content, allowed)
    except FileRefused as refused:
        raise ValidationError({field: str(refused)}) from None
    return Upload(
        filename=accepted.filename,
        content_type=accepted.content_type,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_of(stored: StoredFile) -> Path:
    """Where the file's content is on disk; only ever a random key under UPLOAD_FOLDER."""
    if not _KEY.fullmatch(stored.storage_key or ""):
        raise ValueError(f"stored file {stored.id} has a malformed storage key")
    return upload_folder() / stored.storage_key


def _uploader(actor: Any) -> Any:
    if actor is not None:
        return actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def save(upload: Upload, *, actor: Any = None, at: datetime | None = None) -> StoredFile:
    """Write a checked upload and add its StoredFile row with an audit event. The file is
    removed again if the transaction rolls back or ends without a commit. `at` is when it was
    uploaded (default now; the demo passes history)."""
    folder = upload_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    path = folder / key
    # O_EXCL: never overwrite (a key collision fails loudly); owner-only permissions.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    _remove_unless_committed(path)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(upload.content)
    uploader = _uploader(actor)
    stored = StoredFile(
        original_filename=upload.filename,
        content_type=upload.content_type,
        size=len(upload.content),
        sha256=upload.sha256,
        storage_key=key,
        uploaded_by_id=getattr(uploader, "id", None),
        uploaded_at=at or utcnow(),
    )
    db.session.add(stored)
    record("create", stored, None, actor=actor)
    return stored


def store(
    upload: FileStorage | None,
    allowed: Collection[str] = PDF_ONLY,
    actor: Any = None,
    *,
    field: str = "file",
) -> StoredFile:
    """Check and save one upload (see check and save)."""
    return save(check(upload, allowed=allowed, field=field), actor=actor)


# -- Files written in a transaction that does not commit are removed -----------------------------


def _remove_unless_committed(path: Path) -> None:
    db.session().info.setdefault(_PENDING, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    for path in session.info.pop(_PENDING, ()):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("Could not remove %s, written by a transaction that did not commit", path)
