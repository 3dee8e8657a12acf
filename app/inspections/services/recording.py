"""Recording an inspection: its details (and report document), its rating cells and its
publication.

Each function validates its input completely before it adds anything, so a rejected call
leaves the session as it found it; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import exists, select
from werkzeug.datastructures import FileStorage

from app.audit.services import record, snapshot
from app.domain import inspections as vocab
from app.domain.ratings import UnknownKeyQuestion, UnknownRating, parse_key_question, parse_rating
from app.errors import ValidationError
from app.extensions import db
from app.files import services as files
from app.inspections.models import Enforcement, Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust


def day_in_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date_errors(visit_start: date | None, visit_end: date | None, published_on: date | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if visit_start and visit_end and visit_end < visit_start:
        errors["visit_end"] = "The visit cannot end before it starts."
    last_visit_day = visit_end or visit_start
    if published_on and last_visit_day and published_on < last_visit_day:
        errors["published_on"] = (
            "The report cannot be published before the visit: the publication date must be on "
            f"or after the last day of the visit, {day_in_words(last_visit_day)}."
        )
    return errors


def _check_dates(visit_start: date | None, visit_end: date | None, published_on: date | None) -> None:
    errors = _date_errors(visit_start, visit_end, published_on)
    if errors:
        raise ValidationError(errors)


def _text(value: str | None) -> str | None:
    """Text as stored: surrounding spaces trimmed, blank as None."""
    return (value or "").strip() or None


def is_web_address(url: str) -> bool:
    """Only http and https addresses with a host: never javascript:, data: or a bare path."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _details_errors(
    trust: Trust,
    hospital: Hospital | None,
    *,
    source: str,
    inspection_type: str,
    notice: str,
    visit_start: date | None,
    visit_end: date | None,
    published_on: date | None,
    report_url: str | None,
) -> dict[str, str]:
    """Every problem with an inspection's details, by field (create and update share them).
    The link to the report must be a web address: the page makes nothing else clickable, and
    nothing else is stored."""
    errors: dict[str, str] = {}
    for value, allowed, field, what in (
        (source, vocab.SOURCES, "source", "inspection source"),
        (inspection_type, vocab.INSPECTION_TYPES, "inspection_type", "inspection type"),
        (notice, vocab.NOTICE, "notice", "notice type"),
    ):
        if value not in allowed:
            errors[field] = f"{value!r} is not a valid {what}."
    if hospital is not None and hospital.trust_id != trust.id:
        errors["hospital"] = "The hospital does not belong to this trust."
    errors.update(_date_errors(visit_start, visit_end, published_on))
    if report_url and report_url.strip() and not is_web_address(report_url):
        errors["report_url"] = "Enter the link to the report as a web address starting with https:// or http://."
    return errors


def _checked_report(report: FileStorage | None, errors: dict[str, str]) -> files.Upload | None:
    """The report document checked as a PDF (None when none was chosen); a problem goes into
    `errors` under report_file, beside the other fields' problems."""
    if report is None or not report.filename:
        return None
    try:
        return files.check(report, allowed=files.PDF_ONLY, field="report_file")
    except ValidationError as error:
        errors.update(error.errors)
        return None


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
    report: FileStorage | None = None,
    actor: Any = None,
) -> Inspection:
    """A draft inspection of a hospital (or of the trust, for a trust-level well-led review),
    with its report document when one is given (a PDF, stored only once everything else has
    passed, in the same transaction)."""
    errors = _details_errors(
        trust, hospital, source=source, inspection_type=inspection_type, notice=notice,
        visit_start=visit_start, visit_end=visit_end, published_on=published_on, report_url=report_url,
    )
    upload = _checked_report(report, errors)
    if errors:
        raise ValidationError(errors)
    inspection = Inspection(
        trust=trust,
        hospital=hospital,
        source=source,
        inspection_type=inspection_type,
        notice=notice,
        visit_start=visit_start,
        visit_end=visit_end,
        published_on=published_on,
        report_ref=_text(report_ref),
        report_url=_text(report_url),
        summary=_text(summary),
        illustrative=illustrative,
        status="draft",
    )
    if upload is not None:
        inspection.report_file = files.save(upload, actor=actor)
    db.session.add(inspection)
    record("create", inspection, None, actor=actor)
    return inspection


def _correction_errors(inspection: Inspection, hospital: Hospital | None, published_on: date | None) -> dict[str, str]:
    """What correcting an existing inspection must also respect."""
    errors: dict[str, str] = {}
    if inspection.status == "published" and published_on is None:
        errors["published_on"] = "Enter the publication date: a published inspection keeps its date."
    moved = (hospital.id if hospital else None) != inspection.hospital_id
    if moved and _has_recorded_detail(inspection):
        place = inspection.hospital.name if inspection.hospital else "the trust"
        errors["hospital"] = (
            f"Ratings, findings or enforcement are already recorded for {place}, so this "
            "inspection cannot move. Archive it and record the inspection again instead."
        )
    return errors


def _has_recorded_detail(inspection: Inspection) -> bool:
    """Whether ratings, findings or enforcement already hang on the inspection's hospital."""
    if inspection.cells or inspection.findings:
        return True
    return bool(db.session.scalar(select(exists().where(Enforcement.inspection_id == inspection.id))))


def inspection_errors(
    trust: Trust,
    hospital: Hospital | None,
    *,
    source: str | None,
    inspection_type: str | None,
    notice: str | None,
    visit_start: date | None,
    visit_end: date | None,
    published_on: date | None,
    report_url: str | None,
    report: FileStorage | None = None,
    inspection: Inspection | None = None,
) -> dict[str, str]:
    """Every problem with an inspection's details as someone enters them at the form (the link
    must be a web address, the report document a PDF), for a new inspection or for correcting
    `inspection`. Adds nothing: the form shows them all at once."""
    errors = _details_errors(
        trust, hospital, source=source or "", inspection_type=inspection_type or "", notice=notice or "",
        visit_start=visit_start, visit_end=visit_end, published_on=published_on, report_url=report_url,
    )
    if inspection is not None:
        errors = _correction_errors(inspection, hospital, published_on) | errors
    _checked_report(report, errors)
    return errors


def update_inspection(
    inspection: Inspection,
    *,
    hospital: Hospital | None,
    inspection_type: str,
    source: str,
    notice: str,
    visit_start: date | None,
    visit_end: date | None,
    published_on: date | None,
    report_ref: str | None,
    report_url: str | None,
    summary: str | None,
    report: FileStorage | None = None,
    actor: Any = None,
) -> Inspection:
    """Correct an inspection's details, draft or published: one audit event with every changed
    field before and after. A new report document replaces the link to the old one, which stays
    stored (files are never deleted)."""
    errors = _correction_errors(inspection, hospital, published_on) | _details_errors(
        inspection.trust, hospital, source=source, inspection_type=inspection_type, notice=notice,
        visit_start=visit_start, visit_end=visit_end, published_on=published_on, report_url=report_url,
    )
    upload = _checked_report(report, errors)
    if errors:
        raise ValidationError(errors)
    before = snapshot(inspection)
    inspection.hospital = hospital
    inspection.source = source
    inspection.inspection_type = inspection_type
    inspection.notice = notice
    inspection.visit_start = visit_start
    inspection.visit_end = visit_end
    inspection.published_on = published_on
    inspection.report_ref = _text(report_ref)
    inspection.report_url = _text(report_url)
    inspection.summary = _text(summary)
    if upload is not None:
        inspection.report_file = files.save(upload, actor=actor)
    record("update", inspection, before, actor=actor)
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
    if inspection.status == "published":
        when = f", on {day_in_words(inspection.published_on)}" if inspection.published_on else ""
        raise ValidationError({"status": f"This inspection is already published{when}."})
    if inspection.is_archived:
        raise ValidationError({"status": "This inspection is archived. Restore it before publishing it."})
    when = published_on or inspection.published_on
    if when is None:
        raise ValidationError({"published_on": "Enter the publication date to publish."})
    _check_dates(inspection.visit_start, inspection.visit_end, when)
    before = snapshot(inspection)
    inspection.published_on = when
    inspection.status = "published"
    record("update", inspection, before, actor=actor)
