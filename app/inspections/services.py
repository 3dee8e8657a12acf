"""Recording inspections: details, rating cells, findings, enforcement and publication.

Each function validates its input completely before it adds anything, so a rejected call
leaves the session as it found it; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.audit.services import record, snapshot
from app.domain import inspections as vocab
from app.domain.ratings import (
    KEY_QUESTIONS,
    UnknownKeyQuestion,
    UnknownRating,
    parse_key_question,
    parse_rating,
)
from app.domain.regulations import REGULATIONS
from app.errors import ValidationError
from app.extensions import db
from app.inspections.models import Enforcement, Finding, Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust


def _choice(value: str, allowed: Iterable[str], field: str, what: str) -> str:
    if value not in allowed:
        raise ValidationError({field: f"{value!r} is not a valid {what}."})
    return value


def _check_dates(visit_start: date | None, visit_end: date | None, published_on: date | None) -> None:
    errors: dict[str, str] = {}
    if visit_start and visit_end and visit_end < visit_start:
        errors["visit_end"] = "The visit cannot end before it starts."
    last_visit_day = visit_end or visit_start
    if published_on and last_visit_day and published_on < last_visit_day:
        errors["published_on"] = "The report cannot be published before the visit."
    if errors:
        raise ValidationError(errors)


def create_inspection(
    trust: Trust,
    *,
    hospital: Hospital | None,
    inspection_type: str,
    source: str = "official",
    notice: str = "announced",
    visit_start: date | None = None,
    visit_end: date | None = None,
    published_on: date | None = None,
    report_ref: str | None = None,
    report_url: str | None = None,
    summary: str | None = None,
    illustrative: bool = False,
    actor: Any = None,
) -> Inspection:
    """A draft inspection of a hospital (or of the trust, for a trust-level well-led review)."""
    _choice(source, vocab.SOURCES, "source", "inspection source")
    _choice(inspection_type, vocab.INSPECTION_TYPES, "inspection_type", "inspection type")
    _choice(notice, vocab.NOTICE, "notice", "notice type")
    if hospital is not None and hospital.trust_id != trust.id:
        raise ValidationError({"hospital": "The hospital does not belong to this trust."})
    _check_dates(visit_start, visit_end, published_on)
    inspection = Inspection(
        trust=trust,
        hospital=hospital,
        source=source,
        inspection_type=inspection_type,
        notice=notice,
        visit_start=visit_start,
        visit_end=visit_end,
        published_on=published_on,
        report_ref=report_ref,
        report_url=report_url,
        summary=summary,
        illustrative=illustrative,
        status="draft",
    )
    db.session.add(inspection)
    record("create", inspection, None, actor=actor)
    return inspection


@dataclass(frozen=True)
class CellInput:
    """One cell to record. `department` None means the hospital's own row; `trust_row` the
    trust's row (trust-level review)."""

    key_question: str
    rating: str
    department: Department | None = None
    trust_row: bool = False
    override_reason: str | None = None
    illustrative: bool = False


def record_ratings(inspection: Inspection, cells: Iterable[CellInput], *, actor: Any = None) -> list[RatingCell]:
    """Add the cells this report rated. Blank cells are simply not passed: they carry forward."""
    errors: dict[str, str] = {}
    seen: set[tuple[str, int | None, str]] = set()
    prepared: list[RatingCell] = []
    for index, cell in enumerate(cells):
        field = f"cells-{index}"
        try:
            key_question = parse_key_question(cell.key_question)
            rating = parse_rating(cell.rating)
        except (UnknownKeyQuestion, UnknownRating) as error:
            errors[field] = str(error)
            continue
        if cell.trust_row:
            scope, hospital_id, department_id = "trust", None, None
        elif inspection.hospital is None:
            errors[field] = "A trust-level review rates only the trust's row."
            continue
        elif cell.department is None:
            scope, hospital_id, department_id = "hospital", inspection.hospital.id, None
        else:
            if cell.department.hospital_id != inspection.hospital.id:
                errors[field] = f"{cell.department.name} is not a department of this hospital."
                continue
            scope, hospital_id, department_id = "department", inspection.hospital.id, cell.department.id
        key = (scope, department_id, key_question)
        if key in seen:
            row = cell.department.name if cell.department else scope
            errors[field] = f"{row} · {key_question} is entered twice."
            continue
        seen.add(key)
        prepared.append(
            RatingCell(
                scope=scope,
                trust_id=inspection.trust_id,
                hospital_id=hospital_id,
                department_id=department_id,
                key_question=key_question,
                rating=rating,
                override_reason=(cell.override_reason or None),
                illustrative=cell.illustrative,
            )
        )
    existing = {(c.scope, c.department_id, c.key_question) for c in inspection.cells}
    for cell in prepared:
        if (cell.scope, cell.department_id, cell.key_question) in existing:
            errors.setdefault("cells", f"{cell.key_question} of that row is already recorded.")
    if errors:
        raise ValidationError(errors)
    for cell in prepared:
        inspection.cells.append(cell)
        record("create", cell, None, actor=actor)
    return prepared


def publish(inspection: Inspection, published_on: date | None = None, *, actor: Any = None) -> None:
    """Publish: from its publication date its official ratings count in the official grid."""
    when = published_on or inspection.published_on
    if when is None:
        raise ValidationError({"published_on": "Enter the publication date to publish."})
    _check_dates(inspection.visit_start, inspection.visit_end, when)
    before = snapshot(inspection)
    inspection.published_on = when
    inspection.status = "published"
    record("update", inspection, before, actor=actor)


def add_finding(
    inspection: Inspection,
    *,
    kind: str,
    text: str,
    department: Department | None = None,
    key_question: str | None = None,
    regulation: str | None = None,
    illustrative: bool = False,
    actor: Any = None,
) -> Finding:
    errors: dict[str, str] = {}
    if kind not in vocab.FINDING_KINDS:
        errors["kind"] = f"{kind!r} is not a kind of finding."
    if not text.strip():
        errors["text"] = "Enter the finding."
    if regulation is not None and regulation.strip().upper() not in REGULATIONS:
        errors["regulation"] = f"{regulation!r} is not a regulation of the 2014 Regulations."
    if kind == "must_do" and not regulation:
        errors["regulation"] = "A must-do finding needs the regulation it breaches."
    if key_question is not None:
        try:
            key_question = parse_key_question(key_question)
        except UnknownKeyQuestion as error:
            errors["key_question"] = str(error)
        else:
            if key_question not in KEY_QUESTIONS:
                errors["key_question"] = "A finding belongs to one of the five key questions."
    if department is not None and inspection.hospital_id not in (None, department.hospital_id):
        errors["department"] = f"{department.name} is not a department of this hospital."
    if errors:
        raise ValidationError(errors)
    finding = Finding(
        kind=kind,
        text=text.strip(),
        department=department,
        key_question=key_question,
        regulation=regulation.strip().upper() if regulation else None,
        illustrative=illustrative,
    )
    inspection.findings.append(finding)
    record("create", finding, None, actor=actor)
    return finding


def add_enforcement(
    trust: Trust,
    *,
    kind: str,
    description: str,
    started_on: date,
    hospital: Hospital | None = None,
    department: Department | None = None,
    inspection: Inspection | None = None,
    regulation: str | None = None,
    deadline: date | None = None,
    ended_on: date | None = None,
    actor: Any = None,
) -> Enforcement:
    errors: dict[str, str] = {}
    if kind not in vocab.ENFORCEMENT_KINDS:
        errors["kind"] = f"{kind!r} is not a kind of enforcement."
    if regulation is not None and regulation not in REGULATIONS:
        errors["regulation"] = f"{regulation!r} is not a regulation of the 2014 Regulations."
    if ended_on is not None and ended_on < started_on:
        errors["ended_on"] = "It cannot end before it starts."
    if deadline is not None and deadline < started_on:
        errors["deadline"] = "The deadline cannot be before the start."
    if errors:
        raise ValidationError(errors)
    enforcement = Enforcement(
        trust_id=trust.id,
        hospital=hospital,
        department=department,
        inspection_id=inspection.id if inspection else None,
        kind=kind,
        regulation=regulation,
        description=description,
        started_on=started_on,
        deadline=deadline,
        ended_on=ended_on,
    )
    db.session.add(enforcement)
    record("create", enforcement, None, actor=actor)
    return enforcement

