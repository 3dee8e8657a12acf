"""Reading the audit trail for the audit log page and its CSV export: filters, one page of
events, and the CSV lines."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import Select, and_, func, select

from app.audit.models import AuditEvent
from app.audit.services import HIDDEN_IN_HISTORY
from app.extensions import db


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to; None means any. `by_system` keeps only the events no
    signed-in user made (the demo seed, command-line work). Dates are UTC days, both inclusive."""

    user_id: int | None = None
    by_system: bool = False
    record_kind: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _conditions(filters: AuditFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.by_system:
        conditions.append(AuditEvent.user_id.is_(None))
    elif filters.user_id is not None:
        conditions.append(AuditEvent.user_id == filters.user_id)
    if filters.record_kind:
        conditions.append(AuditEvent.record_kind == filters.record_kind)
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.date_from:
        conditions.append(AuditEvent.occurred_at >= datetime.combine(filters.date_from, time.min, timezone.utc))
    if filters.date_to:
        # The last microsecond of the day rather than "before the next day": no overflow on 9999-12-31.
        conditions.append(AuditEvent.occurred_at <= datetime.combine(filters.date_to, time.max, timezone.utc))
    return conditions


def events_query(filters: AuditFilters) -> Select[Any]:
    """The matching events, newest first, each with its user's name and email (None for the
    system) and the key its record's page is addressed by (a hospital's ODS code), or None."""
    from app.auth.models import User
    from app.organisations.models import Hospital

    return (
        select(AuditEvent, User.name, User.email, Hospital.ods_code)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Hospital, and_(AuditEvent.record_kind == "hospitals", Hospital.id == AuditEvent.record_id))
        .where(*_conditions(filters))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )


def count_events(filters: AuditFilters) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(*_conditions(filters))) or 0


def value_text(value: Any) -> str | None:
    """A before or after value as text, the same on the page and in the CSV: strings as they
    are, None as None, anything else (numbers, booleans, lists of ids) as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def kind_label(kind: str) -> str:
    """A record kind (a table name) in words, from its model's class name:
    "rating_cells" -> "Rating cell"."""
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.local_table, "name", None) == kind:
            words = re.findall(r"[A-Z][a-z0-9]*", mapper.class_.__name__)
            return " ".join([words[0], *(w.lower() for w in words[1:])])
    words = kind.replace("_", " ").strip()
    return (words[:-1] if words.endswith("s") else words).capitalize()


@dataclass(frozen=True)
class LogEntry:
    """One row of the audit log page: plain values for the template."""

    id: int
    occurred_at: datetime
    user_name: str | None
    user_email: str | None
    action: str
    record_kind: str
    record_id: int
    record_key: str | None
    # (field, before, after) as text; the bookkeeping fields are left out, as in History.
    changes: tuple[tuple[str, str | None, str | None], ...]

    @property
    def who(self) -> str:
        return self.user_name or "System"

    @property
    def kind_label(self) -> str:
        return kind_label(self.record_kind)


@dataclass(frozen=True)
class LogPage:
    entries: tuple[LogEntry, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.entries else 0

    @property
    def last(self) -> int:
        return self.first + len(self.entries) - 1 if self.entries else 0


def events_page(filters: AuditFilters, page: int = 1, per_page: int = 50) -> LogPage:
    """One page of the matching events, newest first: one query for the page, one count."""
    page = max(page, 1)
    rows = db.session.execute(
        events_query(filters).limit(per_page).offset((page - 1) * per_page)
    ).all()
    entries = tuple(
        LogEntry(
            id=event.id,
            occurred_at=event.occurred_at,
            user_name=name,
            user_email=email,
            action=event.action,
            record_kind=event.record_kind,
            record_id=event.record_id,
            record_key=key,
            changes=tuple(
                (field, value_text(values[0]), value_text(values[1]))
                for field, values in sorted((event.changes or {}).items())
                if field not in HIDDEN_IN_HISTORY
            ),
        )
        for event, name, email, key in rows
    )
    return LogPage(entries=entries, total=count_events(filters), page=page, per_page=per_page)


def filter_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The audit log's choices: every user, deactivated ones too, as (id, label); and the
    record kinds the trail holds, as (table name, kind in words)."""
    from app.auth.models import User

    users = [
        (str(user_id), f"{name} ({email})" + ("" if active else ", deactivated"))
        for user_id, name, email, active in db.session.execute(
            select(User.id, User.name, User.email, User.active).order_by(User.name, User.email)
        )
    ]
    kinds = sorted(
        ((kind, kind_label(kind)) for kind in db.session.scalars(select(AuditEvent.record_kind).distinct())),
        key=lambda choice: choice[1],
    )
    return users, kinds


CSV_COLUMNS = (
    "occurred_at", "user_email", "user_name", "action", "record_kind", "record_id",
    "field", "before", "after",
)
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell's text; one a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else value_text(value) or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _iso_utc(moment: datetime) -> str:
    # SQLite hands back the stored UTC moment without its zone.
    moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def csv_lines(filters: AuditFilters, batch: int = 500) -> Iterator[str]:
    """Every matching event as CSV text, line by line, one row per changed field (an event
    that changed no field gives one row with the field blank). The rows are fetched in batches
    so a long trail is never held in memory at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Iterable[Any]) -> str:
        writer.writerow([csv_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # A byte-order mark, so that Excel reads the file as UTF-8 (names with accents).
    yield "\ufeff" + line(CSV_COLUMNS)
    result = db.session.execute(events_query(filters).execution_options(yield_per=batch))
    for event, name, email, _key in result:
        common = [_iso_utc(event.occurred_at), email, name, event.action, event.record_kind, str(event.record_id)]
        changes = sorted((event.changes or {}).items())
        if not changes:
            yield line([*common, "", "", ""])
        for field, (before, after) in changes:
            yield line([*common, field, before, after])
