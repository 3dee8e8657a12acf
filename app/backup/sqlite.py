"""SQLite: the copy is made with the online backup API, in one step, so in one read transaction
(writers carry on under WAL); a restore copies the file beside the target, checks it, and moves
it into place with one rename."""

from __future__ import annotations

import secrets
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from app.backup import manifest
from app.backup.manifest import BackupError
from app.backup.snapshot import Summary, app_tables, copy_checked, snapshot_contents
from app.extensions import db

FILE = "database.sqlite"


def database_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("The database is an in-memory SQLite database: there is nothing on disk to back up or restore.")
    return Path(database)


def _engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}", poolclass=NullPool)


def refuse_if_in_use() -> None:
    """BackupError when another connection has the database open (the app still serving).

    Leaving WAL mode needs the only connection to the file, so it tells; it also folds the
    write-ahead log into the file. The app turns WAL on again when it next connects."""
    target = database_path(db.engine)
    if not target.is_file():
        return
    db.session.remove()
    db.engine.dispose()
    timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"]) / 1000
    try:
        with closing(sqlite3.connect(target, timeout=timeout)) as connection:
            mode = connection.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.Error as error:
        mode = str(error)
    if mode != "delete":
        raise BackupError(f"The database {target} is in use ({mode}): stop the app and anything else that has "
                          "it open, then restore again.")


def backup(staging: Path, summary: Summary) -> list[Any]:
    """Copy the live database into `staging`; its contents are then read from the copy."""
    live = database_path(db.engine)
    if not live.is_file():
        raise BackupError(f"There is no database at {live}.")
    copy = staging / FILE
    with summary.timed("Copied the database (SQLite online backup)") as step:
        with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(copy)) as target:
            source.execute(f"PRAGMA busy_timeout = {int(current_app.config['SQLITE_BUSY_TIMEOUT_MS'])}")
            # pages=-1: every page in one step, so in one read transaction: one snapshot.
            source.backup(target, pages=-1)
            # One self-contained file, with no write-ahead log beside it.
            target.execute("PRAGMA journal_mode = DELETE")
            checked = target.execute("PRAGMA integrity_check").fetchone()[0]
        copy.chmod(0o600)
        step.size = copy.stat().st_size
    if checked != "ok":
        raise BackupError(f"The copy of the database fails SQLite's integrity check: {checked}")
    engine = _engine(copy)
    try:
        with engine.connect() as connection:
            return snapshot_contents(connection, summary)
    finally:
        engine.dispose()


def restore(folder: Path, document: dict[str, Any]) -> None:
    """Copy the backup's database beside the target, check its tables against the manifest
    (a mismatch stops here, with nothing touched), then move it into place in one rename."""
    target = database_path(db.engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.restore-{secrets.token_hex(4)}"
    try:
        copy_checked(folder / document["database"]["file"], temporary, document["database"]["size"],
                     document["database"]["sha256"], "The backup's database copy")
        engine = _engine(temporary)
        try:
            with engine.connect() as connection:
                problems = manifest.compare_tables(document["tables"], manifest.table_digests(connection, app_tables()))
        finally:
            engine.dispose()
        if problems:
            raise BackupError("The backup's database does not match its manifest; nothing was restored.\n" + "\n".join(problems))
        db.session.remove()
        db.engine.dispose()
        refuse_if_in_use()
        # No stale write-ahead log may survive beside the new file (refuse_if_in_use folded it in).
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
