"""PostgreSQL: the backup is pg_dump's custom format, the restore pg_restore's SQL run by psql
in one transaction; the client tools are looked up here.

Found in PG_BIN_DIR when it is set, else on PATH, else in Debian's /usr/lib/postgresql/N/bin
(newest first). The password travels in PGPASSWORD, never on a command line other users can see.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL

from app.backup.manifest import BackupError
from app.backup.snapshot import Summary, snapshot_contents
from app.extensions import db

DEBIAN_BIN_DIRS = "/usr/lib/postgresql"


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def tool(name: str) -> str:
    """The path of a PostgreSQL client program; BackupError saying how to install it if none."""
    configured = os.environ.get("PG_BIN_DIR")
    if configured:
        candidate = Path(configured) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupError(f"PG_BIN_DIR is {configured}, but it holds no program {name}.")
    on_path = shutil.which(name)
    if on_path:
        return on_path
    installed = sorted(Path(DEBIAN_BIN_DIRS).glob(f"*/bin/{name}"), key=_version, reverse=True)
    for candidate in installed:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(
        f"{name} was not found (looked in PG_BIN_DIR, on PATH and in {DEBIAN_BIN_DIRS}/*/bin). Install "
        f"the PostgreSQL client tools of the server's version (Debian: apt-get install postgresql-client-15) "
        f"or set PG_BIN_DIR to the folder that holds {name}."
    )


def connection_env(url: URL) -> tuple[str, dict[str, str]]:
    """(--dbname value without the password, environment carrying the password) for `url`."""
    # URL.set(password=None) keeps the password ("not given"); replace the field itself.
    plain = url.set(drivername="postgresql")._replace(password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain, env


def run(program: str, arguments: Sequence[str], env: dict[str, str], what: str) -> None:
    """Run a client program; BackupError with its own message when it fails."""
    completed = subprocess.run(
        [tool(program), *arguments], env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()
        raise BackupError(f"{what} failed: {program} exited with status {completed.returncode}: {detail}")


# -- Backup and restore --------------------------------------------------------------------------

FILE = "database.dump"
# A serving app's open transactions would make a restore's DROP SCHEMA wait for ever.
LOCK_TIMEOUT = "30s"


def backup(staging: Path, summary: Summary) -> list[Any]:
    """pg_dump reads the snapshot our REPEATABLE READ transaction exports, and the counts, hashes
    and stored files are read in that same transaction: one snapshot for all of them."""
    dump = staging / FILE
    dbname, env = connection_env(db.engine.url)
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            with summary.timed("Dumped the database (pg_dump, custom format)") as step:
                run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--schema=public",
                                f"--snapshot={snapshot}", f"--file={dump}", f"--dbname={dbname}"],
                    env, "The database dump")
                dump.chmod(0o600)
                step.size = dump.stat().st_size
            return snapshot_contents(connection, summary)


def refuse_if_in_use() -> None:
    """BackupError when other clients are connected to the database (the app still serving)."""
    with db.engine.connect() as connection:
        others, names = connection.execute(text(
            "SELECT count(*), string_agg(DISTINCT coalesce(nullif(application_name, ''), 'unnamed'), ', ') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )).one()
    db.session.remove()
    db.engine.dispose()
    if others:
        raise BackupError(f"The database is in use: {others} other connection(s) ({names}). Stop the app and "
                          "anything else connected to it, then restore again.")


def restore(folder: Path, document: dict[str, Any]) -> None:
    """Turn the dump into SQL, then replace the public schema with it in one transaction: the
    database is either wholly the old one or wholly the restored one."""
    dbname, env = connection_env(db.engine.url)
    with tempfile.TemporaryDirectory(prefix="ql-restore-") as work:
        script = Path(work) / "restore.sql"
        run("pg_restore", ["--no-owner", "--no-privileges", f"--file={script}",
                           str(folder / document["database"]["file"])], env, "Reading the database dump")
        db.session.remove()
        db.engine.dispose()
        run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                     "-c", f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'",
                     "-c", "DROP SCHEMA IF EXISTS public CASCADE",
                     "-f", str(script), f"--dbname={dbname}"], env,
            "Restoring the database (stop the app and anything else connected to the database first)")
