"""Writing an import's plan (app.imports.plan) in the caller's transaction: parents first,
each kind of new record in bulk with its ids chosen first (see _insert: one executemany per
5,000 rows on SQLite, COPY on PostgreSQL), changed records through the ORM, one by one (a
re-import changes few), then the audit event of every record written, as
app.audit.services.record writes them.
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, bindparam, func, insert, select, text, update

from app.audit.models import AuditEvent
from app.audit.services import snapshot
from app.domain.ratings import OVERALL
from app.extensions import db
from app.imports.plan import Plan
from app.inspections.models import Inspection, RatingCell
from app.models_support import utcnow
from app.organisations.models import Department, Hospital, Trust, department_successions

BATCH = 5000
CHUNK = 500
IMPORT_SUMMARY = "Imported from CQC's published data."


def write_plan(plan: Plan, user: Any) -> None:
    """Write every record the plan creates or changes, with its audit event."""
    _Writer(plan, user).run()


def _created(values: dict[str, Any], *, dates: bool = True) -> dict[str, list[Any]]:
    """A create event's changes, as app.audit.services.record writes them (dates as ISO text).
    `dates=False` for rows known to hold none (rating cells), which saves a test per value."""
    if not dates:
        return {key: [None, value] for key, value in values.items() if value is not None and key != "created_at"}
    return {
        key: [None, value.isoformat() if isinstance(value, (date, datetime)) else value]
        for key, value in values.items()
        if value is not None and key != "created_at"
    }


class _Writer:
    """Writes a plan: parents first, each kind in bulk, then the audit events of everything
    written (one per created or changed record, as app.audit.services.record writes them)."""

    def __init__(self, plan: Plan, user: Any) -> None:
        self.plan = plan
        self.user_id = getattr(user, "id", None)
        self.now = utcnow()
        self.events: list[dict[str, Any]] = []
        self.trust_ids: dict[str, int] = {}
        self.hospitals: dict[str, tuple[int, int]] = {}  # site code -> (hospital id, trust id)
        self.departments: dict[tuple[int, str], int] = {}  # (hospital id, service) -> department id

    def event(self, action: str, kind: str, record_id: int, changes: dict[str, Any]) -> None:
        self.events.append({"occurred_at": self.now, "user_id": self.user_id, "action": action,
                            "record_kind": kind, "record_id": record_id, "changes": changes})

    def run(self) -> None:
        self._trusts()
        self._hospitals()
        self._departments()
        self._inspections()
        if self.events:
            _write(AuditEvent.__table__, self.events)

    def _create(self, model: Any, rows: list[dict[str, Any]], *, dates: bool = True) -> list[int]:
        """Insert rows and audit each as created; their ids, in order."""
        ids = _insert(model, rows)
        kind = model.__tablename__
        for record_id, row in zip(ids, rows):
            self.event("create", kind, record_id, _created({"id": record_id, **row}, dates=dates))
        return ids

    def _update(self, subject: Any, values: dict[str, Any]) -> None:
        before = snapshot(subject)
        for key, value in values.items():
            setattr(subject, key, value)
        db.session.flush()
        after = snapshot(subject)
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        self.event("update", subject.__tablename__, subject.id, changes)

    def _trusts(self) -> None:
        rows = [{"ods_code": code, "name": name, "created_at": self.now} for code, name in self.plan.new_trusts.items()]
        self.trust_ids = dict(zip(self.plan.new_trusts, self._create(Trust, rows)))
        for trust, values in self.plan.changed_trusts:
            self._update(trust, values)
        wanted = sorted({v["trust_code"] for v in self.plan.new_hospitals.values()} - set(self.trust_ids))
        for start in range(0, len(wanted), CHUNK):
            self.trust_ids.update((code, trust_id) for code, trust_id in db.session.execute(
                select(Trust.ods_code, Trust.id).where(Trust.ods_code.in_(wanted[start:start + CHUNK]))))

    def _hospitals(self) -> None:
        rows = [
            {"trust_id": self.trust_ids[values["trust_code"]], "created_at": self.now,
             **{k: v for k, v in values.items() if k != "trust_code"}}
            for values in self.plan.new_hospitals.values()
        ]
        for code, row, hospital_id in zip(self.plan.new_hospitals, rows, self._create(Hospital, rows)):
            self.hospitals[code] = (hospital_id, row["trust_id"])
        for hospital, values in self.plan.changed_hospitals:
            self._update(hospital, values)
        wanted = sorted(({d.hospital_code for d in self.plan.new_departments}
                         | {c for c, _, _ in self.plan.new_links}
                         | {i.hospital_code for i in self.plan.new_inspections}
                         | {i.hospital_code for i in self.plan.changed_inspections}) - set(self.hospitals))
        for start in range(0, len(wanted), CHUNK):
            for code, hospital_id, trust_id in db.session.execute(
                select(Hospital.ods_code, Hospital.id, Hospital.trust_id)
                .where(Hospital.ods_code.in_(wanted[start:start + CHUNK]))
            ):
                self.hospitals[code] = (hospital_id, trust_id)
        # Departments of hospitals already stored, matched as the plan matched them: the first
        # one not retired, else the first.
        stored = [hospital_id for code, (hospital_id, _) in self.hospitals.items() if code not in self.plan.new_hospitals]
        found: dict[tuple[int, str], list[tuple[int, bool]]] = {}
        for start in range(0, len(stored), CHUNK):
            for hospital_id, service, department_id, retired_on in db.session.execute(
                select(Department.hospital_id, Department.service_code, Department.id, Department.retired_on)
                .where(Department.hospital_id.in_(stored[start:start + CHUNK])).order_by(Department.id)
            ):
                found.setdefault((hospital_id, service), []).append((department_id, retired_on is None))
        self.departments = {
            key: next((d for d, current in matches if current), matches[0][0]) for key, matches in found.items()
        }

    def _departments(self) -> None:
        rows = [
            {"hospital_id": self.hospitals[new.hospital_code][0], "code": new.code, "name": new.name,
             "service_code": new.service_code, "retired_on": new.retired_on, "created_at": self.now}
            for new in self.plan.new_departments
        ]
        ids = _insert(Department, rows)
        for department_id, row in zip(ids, rows):
            self.departments[(row["hospital_id"], row["service_code"])] = department_id
        for department, values in self.plan.changed_departments:
            self._update(department, values)
        links = [
            {"predecessor_id": self.departments[(self.hospitals[code][0], old)],
             "successor_id": self.departments[(self.hospitals[code][0], new)]}
            for code, old, new in self.plan.new_links
        ]
        successors: dict[int, list[int]] = {}
        for link in links:
            successors.setdefault(link["predecessor_id"], []).append(link["successor_id"])
        created = set(ids)
        stored_before = {p: self._successors(p) for p in successors if p not in created}
        if links:
            db.session.execute(insert(department_successions), links)
        # A new department's event lists the successors it was linked to, as its page shows them.
        for department_id, row in zip(ids, rows):
            self.event("create", "departments", department_id, _created({"id": department_id, **row}) | (
                {"successor_ids": [None, sorted(successors[department_id])]} if department_id in successors else {}
            ))
        for predecessor_id, before in stored_before.items():
            after = sorted(set(before) | set(successors[predecessor_id]))
            self.event("update", "departments", predecessor_id, {"successor_ids": [before, after]})

    @staticmethod
    def _successors(predecessor_id: int) -> list[int]:
        return sorted(db.session.scalars(
            select(department_successions.c.successor_id)
            .where(department_successions.c.predecessor_id == predecessor_id)
        ))

    def _cell_row(self, hospital_code: str, inspection_id: int, service: str | None, key_question: str,
                  rating: str) -> dict[str, Any]:
        hospital_id, trust_id = self.hospitals[hospital_code]
        return {
            "inspection_id": inspection_id,
            "scope": "department" if service else "hospital",
            "trust_id": trust_id,
            "hospital_id": hospital_id,
            "department_id": self.departments[(hospital_id, service)] if service else None,
            "key_question": key_question,
            "rating": rating,
            "illustrative": False,
        }

    def _inspections(self) -> None:
        rows = []
        for new in self.plan.new_inspections:
            hospital_id, trust_id = self.hospitals[new.hospital_code]
            report = new.report
            rates_location = any(s is None and kq == OVERALL for s, kq, _ in new.cells)
            rows.append({
                "trust_id": trust_id, "hospital_id": hospital_id, "source": "official",
                "inspection_type": "comprehensive" if rates_location else "focused",
                "notice": "announced", "visit_start": report.visit_start, "published_on": report.published_on,
                "report_ref": report.link_id, "report_url": report.url, "status": "published",
                "summary": IMPORT_SUMMARY, "illustrative": False, "created_at": self.now,
            })
        ids = self._create(Inspection, rows)
        cells = []
        for inspection_id, new in zip(ids, self.plan.new_inspections):
            cells += [self._cell_row(new.hospital_code, inspection_id, *cell) for cell in new.cells]
        changed_cells = []
        for changed in self.plan.changed_inspections:
            if changed.fields:
                self._update(db.session.get(Inspection, changed.inspection_id), changed.fields)
            cells += [self._cell_row(changed.hospital_code, changed.inspection_id, *cell) for cell in changed.new_cells]
            changed_cells += changed.changed_cells
        self._create(RatingCell, cells, dates=False)
        if changed_cells:
            table = RatingCell.__table__
            db.session.execute(
                update(table).where(table.c.id == bindparam("cell_id")).values(rating=bindparam("new_rating")),
                [{"cell_id": cell_id, "new_rating": new} for cell_id, _, new in changed_cells],
            )
            for cell_id, old, new in changed_cells:
                self.event("update", "rating_cells", cell_id, {"rating": [old, new]})


def _insert(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT the rows in batches; their new ids in order.

    The ids are chosen first and written with the rows. SQLite: after the largest one; a write
    transaction there (BEGIN IMMEDIATE, app.database) holds the database's only write lock, so no
    one else can take them meanwhile. (SQLite cannot promise the order of a multi-row RETURNING,
    and SQLAlchemy then falls back to one statement a row.) PostgreSQL: drawn from the table's
    own sequence, then written with COPY, several times faster than INSERT there.
    """
    if not rows:
        return []
    table = model.__table__
    if db.session.get_bind().dialect.name == "sqlite":
        first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
    else:
        ids = list(db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        ))
    _write(table, [{"id": record_id, **row} for record_id, row in zip(ids, rows)])
    return ids


def _processor(column_type: Any, dialect: Any) -> Any:
    """The column's bind processor on SQLite, or None where the driver takes the value as it is."""
    if isinstance(column_type, Boolean):
        return None  # sqlite3 stores True and False as 1 and 0, as SQLAlchemy does
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    if processor is not None and isinstance(column_type, DateTime):
        # An import writes one timestamp on every row: convert it once.
        return functools.lru_cache(maxsize=8)(processor)
    return processor


def _write(table: Any, rows: list[dict[str, Any]]) -> None:
    """Rows into `table` in the current transaction: executemany on SQLite, COPY on PostgreSQL."""
    connection = db.session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    if dialect.name != "postgresql":
        # The columns' own bind processors (dates, booleans, JSON as SQLAlchemy stores them),
        # once per column, then one executemany: a third of the CPU of a Core insert per row.
        processors = [_processor(table.c[c].type, dialect) for c in columns]
        names = ", ".join(f'"{column}"' for column in columns)
        statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        for start in range(0, len(rows), BATCH):
            connection.exec_driver_sql(statement, [
                tuple(p(row[c]) if p else row[c] for c, p in zip(columns, processors))
                for row in rows[start:start + BATCH]
            ])
        return
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    names = ", ".join(f'"{column}"' for column in columns)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])
