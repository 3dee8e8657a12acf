"""The manifest of a backup, and the counts and content hashes it records.

A table's hash is SHA-256 over its rows in primary-key order, each row written as one line of
canonical JSON of plain values: moments in UTC without an offset, dates in ISO form, JSON
documents with sorted keys, binary content as its SHA-256, decimals without trailing zeros. So the
same data gives the same hash whether it is read from SQLite or from PostgreSQL, from the live
database, from the backup copy or after a restore.

The manifest's own checksum is SHA-256 over its canonical JSON without that field: it catches a
damaged or edited manifest, not a forger who recomputes it (a backup is as trusted as the place it
is kept).
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, Table, inspect, select
from sqlalchemy.engine import Connection

FORMAT = "quality-ledger-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1024 * 1024
_STREAM_ROWS = 2000


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


def _plain(value: Any) -> Any:
    """A value as the same plain JSON value on every database."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def row_line(values: Iterable[Any]) -> bytes:
    """One row as the line its table's hash reads (see the module's docstring)."""
    plain = [_plain(value) for value in values]
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _ordered_rows(connection: Connection, table: Table) -> Iterator[bytes]:
    key = list(table.primary_key.columns)
    if key and all(isinstance(column.type, Integer) for column in key):
        # Integer keys sort the same everywhere: let the database order and stream them.
        result = connection.execution_options(yield_per=_STREAM_ROWS).execute(select(table).order_by(*key))
        for row in result:
            yield row_line(row)
        return
    # Text keys sort by collation, which differs between databases: sort the lines here.
    positions = [list(table.columns).index(column) for column in key]
    rows = connection.execute(select(table)).all()
    lines = sorted(
        (row_line([row[i] for i in positions]) if positions else b"", row_line(row)) for row in rows
    )
    yield from (line for _key, line in lines)


def table_digests(connection: Connection, tables: Iterable[Table]) -> dict[str, TableDigest]:
    """Rows and content hash of each table, read through `connection` (one snapshot when the
    caller holds one transaction)."""
    present = set(inspect(connection).get_table_names())
    missing = sorted(table.name for table in tables if table.name not in present)
    if missing:
        raise BackupError(
            f"The database has no table {', '.join(missing)}: it is not at this app's schema "
            "revision. Run `flask db upgrade` first."
        )
    digests = {}
    for table in sorted(tables, key=lambda t: t.name):
        digest, rows = hashlib.sha256(), 0
        for line in _ordered_rows(connection, table):
            digest.update(line)
            rows += 1
        digests[table.name] = TableDigest(rows=rows, sha256=digest.hexdigest())
    return digests


def file_sha256(path: Path) -> tuple[int, str]:
    """(size, SHA-256) of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def seal(document: dict[str, Any]) -> dict[str, Any]:
    """The manifest with its own checksum added."""
    body = {key: value for key, value in document.items() if key != "manifest_sha256"}
    return {**body, "manifest_sha256": hashlib.sha256(_canonical(body)).hexdigest()}


def write(folder: Path, document: dict[str, Any]) -> Path:
    path = folder / MANIFEST
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(seal(document), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def read(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in `folder`, its checksum and format checked."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder: give the folder `flask backup` wrote.")
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST}: it is not a backup made by `flask backup`.")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} is not readable JSON ({error}): the backup is damaged.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Quality Ledger backup manifest.")
    if document.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is format version {document.get('format_version')}; this app reads version {FORMAT_VERSION}."
        )
    if seal(document)["manifest_sha256"] != document.get("manifest_sha256"):
        raise BackupError(f"{path} does not match its own checksum: the manifest has been changed or damaged.")
    if not _well_formed(document):
        raise BackupError(f"{path} lacks some of the fields a backup manifest has: it was not written by `flask backup`.")
    return document


def _well_formed(document: dict[str, Any]) -> bool:
    database, tables, files = document.get("database"), document.get("tables"), document.get("files")
    entry = {"path": str, "size": int, "sha256": str}
    return (
        isinstance(document.get("schema_revision"), str) and isinstance(document.get("created_at"), str)
        and isinstance(database, dict)
        and all(isinstance(database.get(k), t) for k, t in {"kind": str, "file": str, "size": int, "sha256": str}.items())
        and isinstance(tables, dict)
        and all(isinstance(t, dict) and isinstance(t.get("rows"), int) and isinstance(t.get("sha256"), str)
                for t in tables.values())
        and isinstance(files, list)
        and all(isinstance(f, dict) and all(isinstance(f.get(k), t) for k, t in entry.items()) for f in files)
    )


def compare_tables(expected: dict[str, Any], found: dict[str, TableDigest]) -> list[str]:
    """What differs between the manifest's tables and the ones found, one line per table."""
    problems = []
    for name in sorted(set(expected) | set(found)):
        if name not in found:
            problems.append(f"Table {name}: in the backup but not in the restored database.")
        elif name not in expected:
            problems.append(f"Table {name}: in the restored database but not in the backup's manifest.")
        elif found[name].rows != expected[name]["rows"]:
            problems.append(f"Table {name}: {found[name].rows:,} rows, the backup's manifest says {expected[name]['rows']:,}.")
        elif found[name].sha256 != expected[name]["sha256"]:
            problems.append(f"Table {name}: the same number of rows ({found[name].rows:,}) but different content.")
    return problems
