"""Importing CQC's published ratings: `import_records(source_name, data, dry_run=, user=)`.

The whole file is one transaction in the caller's hands: the records are parsed and checked
first (any bad record refuses the file, naming the record, the field and the value), then the
plan (app.imports.plan) is written in bulk, each created or changed record with its audit
event, and an import log row is added. A dry run writes only the log row. The caller commits
(or rolls back after ImportRefused).

Bulk writes (app.imports.writing): an import of a national file makes about 200,000 rows (1,000
hospitals: 82,000 rating cells and as many audit events), so new records go in by kind, in bulk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from app.audit.services import record
from app.domain.cqc_fields import RecordError
from app.domain.cqc_ratings_csv import parse_csv
from app.domain.cqc_records import Parsed, parse_json
from app.errors import ValidationError
from app.extensions import db
from app.imports.models import ImportLog
from app.imports.plan import KINDS, build_plan
from app.imports.writing import write_plan

MAX_BYTES = 50 * 1024 * 1024


class ImportRefused(ValidationError):
    """The file cannot be imported; `errors["file"]` says which record, field and value."""


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    file_format: str
    dry_run: bool
    counts: dict[str, dict[str, int]]
    changes: list[str] = field(default_factory=list)
    log_id: int | None = None

    @property
    def nothing_changed(self) -> bool:
        return not any(c["created"] or c["changed"] for c in self.counts.values())

    @property
    def outcome(self) -> str:
        if self.dry_run:
            return "dry_run"
        return "unchanged" if self.nothing_changed else "imported"

    def summary_lines(self) -> list[str]:
        """One line per kind of record, as people read it."""
        verb = ("would be created", "would change") if self.dry_run else ("created", "changed")
        return [
            f"{kind.replace('_', ' ').capitalize()}: {c['created']:,} {verb[0]}, {c['changed']:,} {verb[1]}, "
            f"{c['unchanged']:,} unchanged"
            for kind, c in self.counts.items()
        ]


def detect_format(source_name: str, data: bytes) -> str:
    """json or csv: by the file name's extension, else by the first character."""
    name = source_name.lower()
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if start in (b"{", b"[") else "csv"


def parse(data: bytes, file_format: str) -> Parsed:
    """The file's records; RecordError for the first bad one."""
    if len(data) > MAX_BYTES:
        raise RecordError(None, None, "size", len(data), f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return parse_json(data) if file_format == "json" else parse_csv(data)


def import_records(source_name: str, data: bytes, *, dry_run: bool, user: Any = None,
                   file_format: str | None = None) -> ImportResult:
    """Import a file of CQC records (API JSON, JSON lines, or the monthly CSV) in the current
    transaction, or with dry_run only report what it would do. Raises ImportRefused (nothing
    written) when any record is bad."""
    file_format = file_format or detect_format(source_name, data)
    try:
        parsed = parse(data, file_format)
        plan = build_plan(parsed)
    except RecordError as error:
        raise ImportRefused({"file": f"Nothing was imported. {error}"}) from None
    result = ImportResult(
        file_name=(source_name or "upload")[-255:], sha256=hashlib.sha256(data).hexdigest(),
        file_format=file_format, dry_run=dry_run, counts=plan.counts, changes=plan.changes,
    )
    if not dry_run and not plan.nothing_changed:
        write_plan(plan, user)
    log = ImportLog(
        file_name=result.file_name, sha256=result.sha256, file_format=file_format,
        user_id=getattr(user, "id", None), dry_run=dry_run, outcome=result.outcome,
        counts={kind: dict(plan.counts[kind]) for kind in KINDS},
    )
    db.session.add(log)
    record("create", log, None, actor=user)
    result.log_id = log.id
    return result
