"""What a backup and a restore share on both databases: the summary they print, the schema
revision, the contents read from one snapshot, and copying a file while checking it."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from app.backup import manifest
from app.backup.manifest import BackupError
from app.extensions import db
from app.files.models import StoredFile

_CHUNK = 1024 * 1024


@dataclass
class Step:
    label: str
    seconds: float
    size: int | None = None


@dataclass
class Summary:
    """What a backup or restore did, for the command to print."""

    folder: Path
    kind: str
    revision: str = ""
    tables: dict[str, manifest.TableDigest] = field(default_factory=dict)
    files: int = 0
    files_size: int = 0
    steps: list[Step] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(digest.rows for digest in self.tables.values())

    @contextmanager
    def timed(self, label: str) -> Iterator[Step]:
        step = Step(label, 0.0)
        started = time.perf_counter()
        yield step
        step.seconds = time.perf_counter() - started
        self.steps.append(step)


def schema_head() -> str:
    """The revision the app's migrations end at."""
    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head() or ""


def app_tables() -> list[Any]:
    return list(db.metadata.sorted_tables)


def revision(connection: Connection) -> str:
    if "alembic_version" not in inspect(connection).get_table_names():
        return ""
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() or ""


def check_revision(found: str, *, of_backup: bool) -> None:
    head = schema_head()
    if found != head:
        where = "The backup" if of_backup else "The database"
        advice = ("Restore it with the version of the app that made it, then run `flask db upgrade`."
                  if of_backup else "Run `flask db upgrade` first.")
        raise BackupError(f"{where} is at schema revision {found or '(none)'}, but this app's migrations "
                          f"end at {head}. {advice}")


def snapshot_contents(connection: Connection, summary: Summary) -> list[Any]:
    """Revision, counts and hashes into `summary`, and the stored files to copy, all read
    through `connection`: the snapshot the database copy was made from."""
    summary.revision = revision(connection)
    check_revision(summary.revision, of_backup=False)
    with summary.timed("Counted and hashed the tables"):
        summary.tables = manifest.table_digests(connection, app_tables())
    table = StoredFile.__table__
    return connection.execute(
        select(table.c.id, table.c.storage_key, table.c.size, table.c.sha256).order_by(table.c.id)
    ).all()


def copy_checked(source: Path, target: Path, size: int, sha256: str, what: str) -> None:
    """Copy a file to a new path (owner-only), checking its size and SHA-256 on the way."""
    digest, copied = hashlib.sha256(), 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with source.open("rb") as reading, os.fdopen(descriptor, "wb") as writing:
        while chunk := reading.read(_CHUNK):
            digest.update(chunk)
            copied += len(chunk)
            writing.write(chunk)
        writing.flush()
        os.fsync(writing.fileno())
    if copied != size or digest.hexdigest() != sha256:
        raise BackupError(f"{what} does not match its recorded size and SHA-256: it has been changed or damaged.")
