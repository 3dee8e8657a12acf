"""Making a backup of a serving instance and restoring one into an empty instance.

A backup folder holds `database.sqlite` (SQLite) or `database.dump` (PostgreSQL, pg_dump's custom
format), `uploads/` (every stored file the database refers to, under its storage key) and
`manifest.json` (see app.backup.manifest).

Consistency: the database copy is one snapshot (SQLite's online backup API copies every page in
one read transaction; pg_dump reads the snapshot our REPEATABLE READ transaction exports), and
the counts, hashes and list of files are read from that same snapshot: from the copy itself on
SQLite, in the exporting transaction on PostgreSQL. A stored file is written before the row that
names it commits and never changes afterwards, so every file the snapshot names is on disk; files
uploaded after the snapshot are left out with their rows.

An *empty* instance is one whose database has none of the app's tables, or has them all without a
row (as after `flask db upgrade`). The upload folder does not count: restored files are added under
their own random keys.

A restore writes no audit event: the audit table is part of what it restores, and an event added
to it would make the restored database differ from the backup it is checked against. The command
prints, and logs (logger app.backup), what it restored from and when.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import current_app
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from app.backup import manifest, postgres, sqlite
from app.backup.manifest import BackupError
from app.backup.snapshot import Summary, app_tables, check_revision, copy_checked, revision
from app.extensions import db

log = logging.getLogger("app.backup")

UPLOADS = "uploads"
_KEY = re.compile(r"[0-9a-f]{32}")


def _module(kind: str) -> ModuleType:
    """The module that copies and restores this kind of database."""
    return sqlite if kind == "sqlite" else postgres


@contextmanager
def _database_errors() -> Iterator[None]:
    """A database that is locked, unreachable or refuses a statement, as a BackupError."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as error:
        detail = str(getattr(error, "orig", None) or error).strip()
        raise BackupError(f"The database could not be used: {detail}. If the app or another program "
                          "is using it, stop it and try again.") from None


# -- Backup --------------------------------------------------------------------------------------


def _new_folder(target: Path) -> Path:
    """A private staging folder beside `target`, which must be new or an empty folder."""
    if target.exists():
        if not target.is_dir():
            raise BackupError(f"{target} is a file: give the name of a new folder for the backup.")
        if any(target.iterdir()):
            raise BackupError(f"{target} already exists and is not empty: give a new folder for the backup.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    (staging / UPLOADS).mkdir(mode=0o700)
    return staging


def make_backup(target: Path) -> Summary:
    """Write a backup of the app's database and stored files into the new folder `target`.

    The folder appears complete or not at all: everything is written to a staging folder beside
    it, which is renamed once the manifest is written."""
    kind = db.engine.dialect.name
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of a {kind} database are not supported (only SQLite and PostgreSQL).")
    staging = _new_folder(target)
    summary = Summary(folder=target, kind=kind)
    created_at = datetime.now(timezone.utc)
    try:
        with summary.timed("Backup in all"):
            with _database_errors():
                rows = _module(kind).backup(staging, summary)
            files = _backup_files(staging, rows, summary)
            database_file = staging / _module(kind).FILE
            size, sha256 = manifest.file_sha256(database_file)
            manifest.write(staging, {
                "format": manifest.FORMAT,
                "format_version": manifest.FORMAT_VERSION,
                "created_at": created_at.isoformat(timespec="seconds"),
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "schema_revision": summary.revision,
                "database": {"kind": kind, "file": database_file.name, "size": size, "sha256": sha256},
                "tables": {name: {"rows": d.rows, "sha256": d.sha256} for name, d in summary.tables.items()},
                "files": files,
            })
            if target.exists():
                target.rmdir()
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("Backup written to %s: %s rows, %s files", target, summary.rows, summary.files)
    return summary


def _backup_files(staging: Path, rows: list[Any], summary: Summary) -> list[dict[str, Any]]:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    entries = []
    with summary.timed("Copied the stored files") as step:
        for row in rows:
            if not _KEY.fullmatch(row.storage_key or ""):
                raise BackupError(f"Stored file {row.id} has a malformed storage key {row.storage_key!r}.")
            source = folder / row.storage_key
            if not source.is_file():
                raise BackupError(f"Stored file {row.id} is missing from {folder} (expected {source}).")
            copy_checked(source, staging / UPLOADS / row.storage_key, row.size, row.sha256,
                          f"Stored file {row.id} ({source})")
            entries.append({"path": f"{UPLOADS}/{row.storage_key}", "size": row.size, "sha256": row.sha256})
        summary.files = len(entries)
        summary.files_size = step.size = sum(entry["size"] for entry in entries)
    return entries


# -- Restore -------------------------------------------------------------------------------------


def instance_rows() -> dict[str, int]:
    """The app's tables that hold rows in this instance's database, with their counts."""
    if db.engine.dialect.name == "sqlite":
        path = sqlite.database_path(db.engine)
        if not path.is_file() or path.stat().st_size == 0:
            return {}
    try:
        with db.engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            counts = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in app_tables() if table.name in present
            }
    finally:
        db.session.remove()
        db.engine.dispose()
    return {name: count for name, count in counts.items() if count}


def _member(folder: Path, relative: str) -> Path:
    """A path the manifest names, kept inside the backup folder."""
    path = (folder / relative).resolve()
    if folder.resolve() not in path.parents:
        raise BackupError(f"The manifest names {relative!r}, which is outside the backup folder.")
    return path


def verify_backup(folder: Path) -> dict[str, Any]:
    """The backup's manifest, once the manifest, the database copy and every file match their
    checksums; BackupError naming the first thing that does not."""
    document = manifest.read(folder)
    database = document["database"]
    path = _member(folder, database["file"])
    if not path.is_file():
        raise BackupError(f"The backup's database copy {path} is missing.")
    if manifest.file_sha256(path) != (database["size"], database["sha256"]):
        raise BackupError(f"The backup's database copy {path} does not match the manifest's size and SHA-256: "
                          "it has been changed or damaged.")
    for entry in document["files"]:
        path = _member(folder, entry["path"])
        if not _KEY.fullmatch(path.name):
            raise BackupError(f"The manifest names the file {entry['path']!r}, which is not a stored file's key.")
        if not path.is_file():
            raise BackupError(f"The backup's file {entry['path']} is missing.")
        if manifest.file_sha256(path) != (entry["size"], entry["sha256"]):
            raise BackupError(f"The backup's file {entry['path']} does not match the manifest's size and SHA-256: "
                              "it has been changed or damaged.")
    return document


def restore_backup(folder: Path, *, force: bool = False) -> Summary:
    """Restore the backup in `folder` into this instance: verified first, refused over a
    non-empty instance unless `force`, checked against its manifest afterwards."""
    kind = db.engine.dialect.name
    summary = Summary(folder=folder, kind=kind)
    with _database_errors(), summary.timed("Restore in all"):
        with summary.timed("Verified the backup's checksums"):
            document = verify_backup(folder)
        if document["database"]["kind"] != kind:
            raise BackupError(f"The backup is of a {document['database']['kind']} database; this instance uses {kind}. "
                              "Restore it into an instance of the same kind.")
        check_revision(document["schema_revision"], of_backup=True)
        occupied = instance_rows()
        if occupied and not force:
            listed = ", ".join(f"{name} {count:,}" for name, count in sorted(occupied.items()))
            raise BackupError(
                f"This instance is not empty: its database holds {sum(occupied.values()):,} rows ({listed}). "
                "Restoring would replace them all; run again with --force to do so."
            )
        _module(kind).refuse_if_in_use()
        with summary.timed("Restored the stored files") as step:
            step.size = _restore_files(folder, document["files"])
            summary.files, summary.files_size = len(document["files"]), step.size
        with summary.timed("Restored the database") as step:
            step.size = int(document["database"]["size"])
            _module(kind).restore(folder, document)
        with summary.timed("Counted and hashed the restored tables"):
            _check_restored(document, summary)
    log.warning("Restored the backup %s (made %s) into this instance%s.", folder, document["created_at"],
                " over existing data (--force)" if occupied else "")
    return summary


def _restore_files(folder: Path, entries: list[dict[str, Any]]) -> int:
    """Copy the files into a staging folder beside the upload folder, checking each, then move
    them into place: a damaged copy stops the restore before any file is placed."""
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    uploads.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{uploads.name}.restore-", dir=uploads.parent))
    try:
        for entry in entries:
            source = _member(folder, entry["path"])
            copy_checked(source, staging / source.name, entry["size"], entry["sha256"], f"The backup's file {entry['path']}")
        uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
        for entry in entries:
            name = Path(entry["path"]).name
            os.replace(staging / name, uploads / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sum(int(entry["size"]) for entry in entries)


def _check_restored(document: dict[str, Any], summary: Summary) -> None:
    with db.engine.connect() as connection:
        summary.revision = revision(connection)
        summary.tables = manifest.table_digests(connection, app_tables())
    db.engine.dispose()
    problems = manifest.compare_tables(document["tables"], summary.tables)
    if summary.revision != document["schema_revision"]:
        problems.insert(0, f"Schema revision {summary.revision}, the backup's manifest says {document['schema_revision']}.")
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    for entry in document["files"]:
        path = uploads / Path(entry["path"]).name
        if not path.is_file():
            problems.append(f"File {entry['path']}: missing from {uploads} after the restore.")
        elif manifest.file_sha256(path) != (entry["size"], entry["sha256"]):
            problems.append(f"File {entry['path']}: differs from the backup after the restore.")
    if problems:
        raise BackupError("The restored instance does not match the backup's manifest:\n" + "\n".join(problems))

