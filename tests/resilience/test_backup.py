"""`flask backup` and `flask restore`: the refusals (a non-empty folder, a non-empty instance, a
damaged or edited backup, before anything is touched), --force, the manifest's hashes being the
same on SQLite and PostgreSQL, and finding the PostgreSQL tools.

Targets are real databases: a new SQLite file, or on PostgreSQL a new database on the test server.
The drill under write load is in test_backup_drill.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import LoginAttempt
from app.backup import postgres
from app.backup.manifest import BackupError, row_line, seal, table_digests
from app.demo.documents import pdf
from app.extensions import db
from app.files.services import Upload, save
from app.organisations.models import Trust
from app.organisations.services import create_trust
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, base_config, postgres_url


def _server_url() -> str:
    return make_url(TEST_DATABASE_URL).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def fresh_target(app: Flask, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """fresh_target(name) -> an app on a new database with nothing in it (a new SQLite file, or a
    new PostgreSQL database on the test server) and its own upload folder."""
    made: list[tuple[Flask, str | None]] = []

    def make(name: str = "restored") -> Flask:
        database = None
        if ON_POSTGRES:
            import psycopg

            database = f"ql_restore_{secrets.token_hex(4)}"
            with psycopg.connect(_server_url(), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{database}"')
            uri = postgres_url(make_url(_server_url()).set(database=database).render_as_string(hide_password=False))
        else:
            uri = f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        target = create_app(base_config(uri))
        target.config["UPLOAD_FOLDER"] = str(tmp_path / f"{name}-uploads")
        made.append((target, database))
        return target

    yield make
    for target, database in made:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()
        if database:
            import psycopg

            with psycopg.connect(_server_url(), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run_command(target: Flask, *args: str):  # type: ignore[no-untyped-def]
    """Run a flask command against `target` in its own app context, as an operator would."""
    # End this test's own transaction: an open one holds locks a PostgreSQL restore must take.
    db.session.commit()
    db.session.remove()
    # with_appcontext keeps the app context it finds, so push the target's own.
    with target.app_context():
        return target.test_cli_runner().invoke(args=list(args))


def digests_of(target: Flask) -> dict[str, tuple[int, str]]:
    with target.app_context():
        with db.engine.connect() as connection:
            found = table_digests(connection, db.metadata.sorted_tables)
        db.engine.dispose()
    return {name: (digest.rows, digest.sha256) for name, digest in found.items()}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its content (nothing when the folder does not exist)."""
    if not folder.exists():
        return {}
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def add_records(code: str, files: int) -> None:
    """A trust and some stored files, through the services (with their audit events), committed."""
    create_trust(ods_code=code, name=f"Trust {code}", formed_on=date(2012, 4, 1))
    for number in range(files):
        content = pdf(f"Evidence {code} {number}")
        save(Upload(filename=f"evidence-{number}.pdf", content_type="application/pdf", content=content,
                    sha256=hashlib.sha256(content).hexdigest()))
    db.session.commit()


@pytest.fixture
def data(app: Flask) -> None:
    """A little of everything a backup holds: rows, audit events and stored files."""
    add_records("R1H", files=3)


@pytest.fixture
def backup(app: Flask, data, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A backup made with the command."""
    folder = tmp_path / "backup"
    result = run_command(app, "backup", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def manifest_of(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


# -- Backup --------------------------------------------------------------------------------------


def test_a_backup_holds_the_database_every_stored_file_and_a_sealed_manifest(backup: Path, app: Flask):
    document = manifest_of(backup)
    assert document["format"] == "quality-ledger-backup" and document["manifest_sha256"] == seal(document)["manifest_sha256"]
    assert document["database"]["kind"] == db.engine.dialect.name
    assert (backup / document["database"]["file"]).is_file()
    assert document["schema_revision"] and datetime.fromisoformat(document["created_at"]).tzinfo is not None
    # The counts and hashes are those of the data (nothing was written while it ran).
    live = digests_of(app)
    assert {name: (entry["rows"], entry["sha256"]) for name, entry in document["tables"].items()} == live
    assert document["tables"]["trusts"]["rows"] == 1 and document["tables"]["audit_events"]["rows"] == 4
    uploads = Path(app.config["UPLOAD_FOLDER"])
    assert len(document["files"]) == document["tables"]["stored_files"]["rows"] == 3
    for entry in document["files"]:
        content = (backup / entry["path"]).read_bytes()
        assert content == (uploads / Path(entry["path"]).name).read_bytes()
        assert len(content) == entry["size"]
    # Owner-only: a backup holds every account and every record.
    assert oct((backup / "manifest.json").stat().st_mode & 0o777) == "0o600"
    assert oct((backup / document["database"]["file"]).stat().st_mode & 0o777) == "0o600"


def test_the_command_prints_sizes_and_timings(app: Flask, data, tmp_path: Path):
    result = run_command(app, "backup", str(tmp_path / "printed"))
    assert result.exit_code == 0, result.output
    assert "Backup in all" in result.output and " s " in result.output and " KB" in result.output
    assert "stored files" in result.output and "rows" in result.output


def test_a_backup_into_a_folder_that_is_not_empty_is_refused(app: Flask, data, tmp_path: Path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run_command(app, "backup", str(folder))
    assert result.exit_code == 1
    assert f"{folder} already exists and is not empty: give a new folder for the backup." in result.output
    assert tree(folder) == {"notes.txt": b"keep me"}
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []


def test_a_backup_into_an_existing_empty_folder_is_made(app: Flask, data, tmp_path: Path):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert run_command(app, "backup", str(folder)).exit_code == 0
    assert (folder / "manifest.json").is_file()


def test_a_failed_backup_leaves_no_folder_behind(app: Flask, data, tmp_path: Path):
    # A stored file missing from the upload folder: the backup fails and names it.
    missing = sorted(Path(app.config["UPLOAD_FOLDER"]).iterdir())[0]
    missing.unlink()
    result = run_command(app, "backup", str(tmp_path / "incomplete"))
    assert result.exit_code == 1
    assert "is missing from" in result.output and missing.name in result.output
    assert not (tmp_path / "incomplete").exists()
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


# -- Restore -------------------------------------------------------------------------------------


def test_restore_into_a_fresh_instance_reproduces_every_table_and_file(backup: Path, app: Flask, fresh_target):
    target = fresh_target()
    result = run_command(target, "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert "every table and file matches the backup's manifest" in result.output
    assert "Restore in all" in result.output
    document = manifest_of(backup)
    assert digests_of(target) == {name: (e["rows"], e["sha256"]) for name, e in document["tables"].items()}
    assert tree(Path(target.config["UPLOAD_FOLDER"])) == tree(Path(app.config["UPLOAD_FOLDER"]))


def test_restore_into_a_migrated_instance_without_rows_counts_as_empty(backup: Path, fresh_target):
    from flask_migrate import upgrade

    target = fresh_target()
    with target.app_context():
        upgrade()
        db.engine.dispose()
    result = run_command(target, "restore", str(backup))
    assert result.exit_code == 0, result.output


def test_restore_over_data_is_refused_without_force_and_nothing_changes(backup: Path, app: Flask):
    uploads = Path(app.config["UPLOAD_FOLDER"])
    before, files = digests_of(app), tree(uploads)
    result = run_command(app, "restore", str(backup))
    assert result.exit_code == 1
    assert "This instance is not empty: its database holds" in result.output
    assert "trusts 1" in result.output and "run again with --force" in result.output
    assert digests_of(app) == before and tree(uploads) == files


def test_restore_with_force_replaces_the_data_with_the_backup(backup: Path, fresh_target):
    document = manifest_of(backup)
    target = fresh_target()
    assert run_command(target, "restore", str(backup)).exit_code == 0
    with target.app_context():
        add_records("RAL", files=1)  # work done after the backup
        db.engine.dispose()
    assert digests_of(target)["trusts"][0] == 2

    result = run_command(target, "restore", "--force", str(backup))
    assert result.exit_code == 0, result.output
    assert digests_of(target) == {name: (e["rows"], e["sha256"]) for name, e in document["tables"].items()}
    with target.app_context():
        assert db.session.scalars(select(Trust.ods_code)).all() == ["R1H"]
        db.session.remove()
        db.engine.dispose()


def test_a_restore_while_the_database_is_in_use_is_refused_and_changes_nothing(backup: Path, fresh_target):
    target = fresh_target()
    target.config["SQLITE_BUSY_TIMEOUT_MS"] = 300
    assert run_command(target, "restore", str(backup)).exit_code == 0
    with target.app_context():
        add_records("RAL", files=0)
        url = db.engine.url
        db.engine.dispose()
    before = digests_of(target)
    # The app still serving: another connection has the database open.
    if ON_POSTGRES:
        import psycopg

        holder = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                 application_name="ql-serving")
        expected = "The database is in use: 1 other connection(s) (ql-serving). Stop the app"
    else:
        holder = sqlite3.connect(url.database)
        holder.execute("SELECT count(*) FROM trusts").fetchall()
        expected = "is in use (database is locked): stop the app and anything else that has it open"
    try:
        result = run_command(target, "restore", "--force", str(backup))
    finally:
        holder.close()
    assert result.exit_code == 1
    assert expected in result.output
    assert digests_of(target) == before


@pytest.mark.parametrize("damage", ["file", "database", "manifest"])
def test_a_damaged_backup_is_refused_before_anything_is_touched(backup: Path, fresh_target, damage: str):
    document = manifest_of(backup)
    if damage == "file":
        changed = backup / document["files"][0]["path"]
        expected = f"The backup's file {document['files'][0]['path']} does not match the manifest's size and SHA-256"
    elif damage == "database":
        changed = backup / document["database"]["file"]
        expected = "The backup's database copy"
    else:
        changed = backup / "manifest.json"
        expected = "does not match its own checksum"
    content = bytearray(changed.read_bytes())
    if damage == "manifest":
        content = bytearray(changed.read_text(encoding="utf-8").replace('"rows": 1,', '"rows": 2,', 1).encode())
    else:
        content[len(content) // 2] ^= 0x01
    changed.write_bytes(bytes(content))

    target = fresh_target()
    result = run_command(target, "restore", str(backup))
    assert result.exit_code == 1
    assert expected in result.output
    assert not Path(target.config["UPLOAD_FOLDER"]).exists()
    with target.app_context():
        from sqlalchemy import inspect

        assert inspect(db.engine).get_table_names() == []
        db.engine.dispose()


def test_a_resealed_manifest_that_lies_about_a_table_is_caught_by_name(backup: Path, fresh_target):
    # Someone edits a count and recomputes the manifest's checksum: the table hashes still tell.
    document = manifest_of(backup)
    document["tables"]["trusts"]["rows"] = 2
    (backup / "manifest.json").write_text(json.dumps(seal(document)), encoding="utf-8")
    target = fresh_target()
    result = run_command(target, "restore", str(backup))
    assert result.exit_code == 1
    assert "Table trusts: 1 rows, the backup's manifest says 2." in result.output


def test_a_backup_of_the_other_kind_of_database_is_refused(backup: Path, fresh_target):
    document = manifest_of(backup)
    document["database"]["kind"] = "sqlite" if ON_POSTGRES else "postgresql"
    (backup / "manifest.json").write_text(json.dumps(seal(document)), encoding="utf-8")
    result = run_command(fresh_target(), "restore", str(backup))
    assert result.exit_code == 1
    assert "Restore it into an instance of the same kind." in result.output


def test_a_backup_of_another_schema_revision_is_refused(backup: Path, fresh_target):
    document = manifest_of(backup)
    document["schema_revision"] = "0123456789ab"
    (backup / "manifest.json").write_text(json.dumps(seal(document)), encoding="utf-8")
    result = run_command(fresh_target(), "restore", str(backup))
    assert result.exit_code == 1
    assert "The backup is at schema revision 0123456789ab, but this app's migrations end at" in result.output
    assert "Restore it with the version of the app that made it, then run `flask db upgrade`." in result.output


def test_a_database_behind_the_migrations_is_not_backed_up(app: Flask, data, tmp_path: Path):
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    db.session.execute(text("UPDATE alembic_version SET version_num = 'e8b5a6c7d9f0'"))
    db.session.commit()
    try:
        result = run_command(app, "backup", str(tmp_path / "behind"))
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :current"), {"current": current})
        db.session.commit()
    assert result.exit_code == 1
    assert "The database is at schema revision e8b5a6c7d9f0" in result.output and "Run `flask db upgrade` first." in result.output
    assert not (tmp_path / "behind").exists()


def test_a_sealed_manifest_without_its_fields_is_refused(backup: Path, fresh_target):
    document = manifest_of(backup)
    del document["files"]
    (backup / "manifest.json").write_text(json.dumps(seal(document)), encoding="utf-8")
    result = run_command(fresh_target(), "restore", str(backup))
    assert result.exit_code == 1
    assert "lacks some of the fields a backup manifest has" in result.output


def test_a_manifest_naming_a_file_outside_the_backup_is_refused(backup: Path, fresh_target, tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.write_bytes(b"not evidence")
    document = manifest_of(backup)
    document["files"][0] = {"path": "../elsewhere", "size": 12, "sha256": hashlib.sha256(b"not evidence").hexdigest()}
    (backup / "manifest.json").write_text(json.dumps(seal(document)), encoding="utf-8")
    target = fresh_target()
    result = run_command(target, "restore", str(backup))
    assert result.exit_code == 1
    assert "The manifest names '../elsewhere', which is outside the backup folder." in result.output
    assert not Path(target.config["UPLOAD_FOLDER"]).exists()


def test_a_folder_that_is_not_a_backup_is_refused(fresh_target, tmp_path: Path):
    result = run_command(fresh_target(), "restore", str(tmp_path))
    assert result.exit_code == 1
    assert "holds no manifest.json: it is not a backup made by `flask backup`." in result.output


# -- The hashes are the data's, whichever database holds it ---------------------------------------

# Computed once; the same on SQLite and PostgreSQL (the suite runs on both).
KNOWN = {
    "audit_events": "06f4c6a60e1b4ca8785f2dc02a73a24f240e862526bdef6b05722c7102cb1f29",
    "login_attempts": "2dab5c1b5a8d6b98df98951e080a9b33509c5763b20d7ae924fcd4e2f75f7a39",
    "trusts": "15b7d88aa3d4d0ddd93c7a853b7fbc4e118ca279fea64c7b49767c3c53004386",
}


def test_a_row_is_hashed_in_a_normal_form():
    from decimal import Decimal
    from datetime import timedelta

    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    # PostgreSQL hands back moments in its session's zone, SQLite without one: both are UTC here.
    assert row_line([moment.astimezone(timezone(timedelta(hours=1)))]) == row_line([moment.replace(tzinfo=None)])
    assert row_line([moment]) == b'["2026-03-04 05:06:07.000000"]\n'
    assert row_line([{"b": 1, "a": [True, None]}]) == row_line([{"a": [True, None], "b": 1}])
    assert row_line([Decimal("1.50"), b"\x00", memoryview(b"\x00"), date(2026, 1, 2)]) == (
        b'["1.5",{"sha256":"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},'
        b'{"sha256":"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},"2026-01-02"]\n'
    )


def test_table_hashes_are_the_same_on_sqlite_and_postgresql(app: Flask):
    moment = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=timezone.utc)
    db.session.execute(insert(Trust), [
        {"id": 2, "ods_code": "RZZ", "name": "Ysbyty \u2019Ñ\u00e9 Trust", "formed_on": date(2012, 4, 1), "created_at": moment},
        {"id": 1, "ods_code": "RAA", "name": "First Trust", "formed_on": None, "created_at": moment},
    ])
    db.session.execute(insert(LoginAttempt), [
        {"id": 1, "email": "a@example.nhs.uk", "attempted_at": moment, "succeeded": True, "remote_addr": None},
        {"id": 2, "email": "b@example.nhs.uk", "attempted_at": moment, "succeeded": False, "remote_addr": "::1"},
    ])
    db.session.execute(insert(AuditEvent), [
        {"id": 1, "occurred_at": moment, "user_id": None, "action": "create", "record_kind": "trusts",
         "record_id": 1, "changes": {"name": [None, "First Trust"], "a": [1.5, True]}},
    ])
    db.session.commit()
    with db.engine.connect() as connection:
        found = table_digests(connection, [Trust.__table__, LoginAttempt.__table__, AuditEvent.__table__])
    assert {name: digest.sha256 for name, digest in found.items()} == KNOWN


# -- Finding the PostgreSQL tools ----------------------------------------------------------------


def _program(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_the_newest_debian_tools_are_found_when_none_is_on_the_path(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("PG_BIN_DIR", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.setattr(postgres, "DEBIAN_BIN_DIRS", str(tmp_path / "postgresql"))
    _program(tmp_path / "postgresql" / "9.6" / "bin" / "pg_dump")
    newest = _program(tmp_path / "postgresql" / "16" / "bin" / "pg_dump")
    _program(tmp_path / "postgresql" / "15" / "bin" / "pg_dump")
    assert postgres.tool("pg_dump") == str(newest)


def test_pg_bin_dir_wins_and_a_missing_tool_is_named(monkeypatch, tmp_path: Path):
    chosen = _program(tmp_path / "chosen" / "pg_dump")
    monkeypatch.setenv("PG_BIN_DIR", str(chosen.parent))
    assert postgres.tool("pg_dump") == str(chosen)
    with pytest.raises(BackupError, match="PG_BIN_DIR is .*, but it holds no program pg_restore"):
        postgres.tool("pg_restore")

    monkeypatch.delenv("PG_BIN_DIR")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.setattr(postgres, "DEBIAN_BIN_DIRS", str(tmp_path / "nothing"))
    with pytest.raises(BackupError, match="pg_dump was not found .* apt-get install postgresql-client"):
        postgres.tool("pg_dump")


def test_the_password_travels_in_the_environment_not_on_the_command_line():
    dbname, env = postgres.connection_env(make_url("postgresql+psycopg://ql:s3cret@db.example:5433/ledger?sslmode=require"))
    assert "s3cret" not in dbname and dbname == "postgresql://ql@db.example:5433/ledger?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret" and os.environ.get("PGPASSWORD") != "s3cret"
