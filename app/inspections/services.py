"""Recording inspections: details, rating cells, findings, enforcement and publication.

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
from app.files import services as files
from app.inspections.models import Enforcement, Finding, Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date_errors(visit_start: date | None, visit_end: date | None, published_on: date | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if visit_start and visit_end and visit_end < visit_start:
        errors["visit_end"] = "The visit cannot end before it starts."
    last_visit_day = visit_end or visit_start
    if published_on and last_visit_day and published_on < last_visit_day:
        errors["published_on"] = (
            "The report cannot be published before the visit: the publication date must be on "
            f"or after the last day of the visit, {_long(last_visit_day)}."
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
) -> dict[str, str]:
    """Every problem with an inspection's details, by field (create and update share them)."""
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
    return errors


def _link_errors(report_url: str | None) -> dict[str, str]:
    if report_url and report_url.strip() and not is_web_address(report_url):
        return {"report_url": "Enter the link to the report as a web address starting with https:// or http://."}
    return {}


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
        visit_start=visit_start, visit_end=visit_end, published_on=published_on,
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
        visit_start=visit_start, visit_end=visit_end, published_on=published_on,
    ) | _link_errors(report_url)
    if inspection is not None:
        errors = _correction_errors(inspection, hospital, published_on) | errors
    _checked_report(report, errors)
    return errors


def record_inspection(
    trust: Trust,
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
    """create_inspection for someone at the form: the link to the report must also be a web
    address (create_inspection itself keeps any link it is given; the page never makes a
    non-web address clickable). Every problem is reported at once, and nothing is stored."""
    if _link_errors(report_url):
        raise ValidationError(inspection_errors(
            trust, hospital, source=source, inspection_type=inspection_type, notice=notice,
            visit_start=visit_start, visit_end=visit_end, published_on=published_on,
            report_url=report_url, report=report,
        ))
    return create_inspection(
        trust, hospital=hospital, inspection_type=inspection_type, source=source, notice=notice,
        visit_start=visit_start, visit_end=visit_end, published_on=published_on, report_ref=report_ref,
        report_url=report_url, summary=summary, report=report, actor=actor,
    )


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
        visit_start=visit_start, visit_end=visit_end, published_on=published_on,
    ) | _link_errors(report_url)
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
        when = f", on {_long(inspection.published_on)}" if inspection.published_on else ""
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


def finding_errors(
    inspection: Inspection,
    *,
    kind: str | None,
    text: str | None,
    department: Department | None = None,
    key_question: str | None = None,
    regulation: str | None = None,
) -> dict[str, str]:
    """Every problem with a finding of `inspection`, by field. Adds nothing."""
    errors: dict[str, str] = {}
    if kind not in vocab.FINDING_KINDS:
        errors["kind"] = f"{kind!r} is not a kind of finding."
    if not (text or "").strip():
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
    elif department is not None and department.retired_on is not None:
        if department.retired_on <= inspected_on(inspection):
            errors["department"] = (
                f"{department.name} was retired on {_long(department.retired_on)}, before this inspection."
            )
    return errors


def inspected_on(inspection: Inspection) -> date:
    """The day the inspection looked at the hospital: its first visit day, else its publication,
    else (a draft with no dates yet) today."""
    return inspection.visit_start or inspection.published_on or date.today()


def inspected_departments(inspection: Inspection) -> list[Department]:
    """The departments a finding or enforcement of this inspection may name: the inspected
    hospital's departments that were not retired by the time of the inspection."""
    if inspection.hospital is None:
        return []
    on = inspected_on(inspection)
    return [d for d in inspection.hospital.departments if d.retired_on is None or d.retired_on > on]


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
    errors = finding_errors(
        inspection, kind=kind, text=text, department=department, key_question=key_question,
        regulation=regulation,
    )
    if errors:
        raise ValidationError(errors)
    finding = Finding(
        kind=kind,
        text=text.strip(),
        department=department,
        key_question=parse_key_question(key_question) if key_question is not None else None,
        regulation=regulation.strip().upper() if regulation else None,
        illustrative=illustrative,
    )
    inspection.findings.append(finding)
    record("create", finding, None, actor=actor)
    return finding


def _enforcement_errors(
    kind: str, regulation: str | None, started_on: date | None, deadline: date | None, ended_on: date | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in vocab.ENFORCEMENT_KINDS:
        errors["kind"] = f"{kind!r} is not a kind of enforcement."
    if regulation is not None and regulation not in REGULATIONS:
        errors["regulation"] = f"{regulation!r} is not a regulation of the 2014 Regulations."
    if started_on is not None and ended_on is not None and ended_on < started_on:
        errors["ended_on"] = "It cannot end before it starts."
    if started_on is not None and deadline is not None and deadline < started_on:
        errors["deadline"] = "The deadline cannot be before the start."
    return errors


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
    errors = _enforcement_errors(kind, regulation, started_on, deadline, ended_on)
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



# ---------------------------------------------------------------------------------------------
# The ratings grid form and Single Assessment Framework scores (issue 4). Imports kept with the
# section so that it reads on its own.

from sqlalchemy import and_, or_, select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from app.domain.aggregate import Suggestion, differs, suggest  # noqa: E402
from app.domain.grid import GridCell, RatedCell, RowLifetime, current_grid, row_end_date  # noqa: E402
from app.domain.ratings import OVERALL, is_rating  # noqa: E402
from app.domain.saf import (  # noqa: E402
    HIGHEST_SCORE,
    LOWEST_SCORE,
    QualityStatement,
    SafResult,
    load_quality_statements,
    score_key_question,
)
from app.inspections.models import KeyQuestionScore, QualityStatementScore  # noqa: E402

MAX_REASON = 2000
CORRECTION_FIELD = "correction_reason"


def row_key(scope: str, department_id: int | None = None) -> str:
    """The form's name for a grid row: "trust", "hospital" or "department-<id>"."""
    return f"department-{department_id}" if scope == "department" else scope


def cell_field(row: str, key_question: str) -> str:
    """The form field of one cell, e.g. "rating-department-12-well-led"."""
    return f"rating-{row}-{key_question.lower()}"


def reason_field(row: str) -> str:
    """The form field of a row's reason for an Overall that differs from the suggestion."""
    return f"reason-{row}"


def score_field(statement_code: str) -> str:
    return f"score-{statement_code}"


def report_date(inspection: Inspection) -> date:
    """The date a report's grid stands on: its publication date, or today for an unpublished
    draft (its ratings would take effect from publication)."""
    return inspection.published_on or date.today()


def _row_of(inspection: Inspection, department: Department | None, trust_row: bool) -> tuple[str, int | None, int | None]:
    """(scope, hospital_id, department_id) of a row, or ValidationError-ready message."""
    if trust_row:
        return "trust", None, None
    if inspection.hospital is None:
        raise ValueError("A trust-level review rates only the trust's row.")
    if department is None:
        return "hospital", inspection.hospital.id, None
    if department.hospital_id != inspection.hospital.id:
        raise ValueError(f"{department.name} is not a department of this hospital.")
    return "department", inspection.hospital.id, department.id


def row_label(inspection: Inspection, scope: str, department: Department | None) -> str:
    if scope == "department" and department is not None:
        return department.name
    if scope == "hospital" and inspection.hospital is not None:
        return inspection.hospital.name
    return f"{inspection.trust.name} (the trust)"


def _other_reports(inspection: Inspection) -> tuple[list[RatedCell], dict[str, RowLifetime]]:
    """The published, unarchived cells of every *other* report of the inspection's hospital (or
    trust row), with row keys as in the form, and the hospital's departments' lifetimes."""
    if inspection.hospital_id is not None:
        where_row = or_(
            RatingCell.hospital_id == inspection.hospital_id,
            and_(RatingCell.scope == "trust", RatingCell.trust_id == inspection.trust_id),
        )
    else:
        where_row = and_(RatingCell.scope == "trust", RatingCell.trust_id == inspection.trust_id)
    query = (
        select(
            RatingCell.scope,
            RatingCell.department_id,
            RatingCell.key_question,
            RatingCell.rating,
            Inspection.id,
            Inspection.published_on,
            Inspection.source,
        )
        .join(Inspection, RatingCell.inspection_id == Inspection.id)
        .where(
            where_row,
            Inspection.status == "published",
            Inspection.archived_at.is_(None),
            Inspection.id != inspection.id,
        )
    )
    cells = [
        RatedCell(
            row=row_key(r.scope, r.department_id),
            key_question=r.key_question,
            rating=r.rating,
            published_on=r.published_on,
            report_id=r.id,
            official=vocab.is_official(r.source),
        )
        for r in db.session.execute(query)
    ]
    lifetimes: dict[str, RowLifetime] = {}
    if inspection.hospital_id is not None:
        departments = db.session.scalars(
            select(Department)
            .where(Department.hospital_id == inspection.hospital_id)
            .options(selectinload(Department.successors))
        ).all()
        lifetimes = {
            row_key("department", d.id): RowLifetime(
                row=row_key("department", d.id),
                retired_on=d.retired_on,
                successors=tuple(row_key("department", s.id) for s in d.successors),
            )
            for d in departments
        }
    return cells, lifetimes


def carried_forward(inspection: Inspection) -> dict[tuple[str, str], GridCell]:
    """The grid as it stands on the report's date from every *other* published, unarchived
    report of the same stream (official or internal), keyed by (row key, key question).

    DOMAIN.md "How CQC aggregates": aggregate over the row as it stands on the report's date,
    the cells the report re-rated plus the cells carried forward from earlier reports.
    """
    cells, lifetimes = _other_reports(inspection)
    return current_grid(cells, report_date(inspection), official=inspection.official, lifetimes=lifetimes)


def ended_rows(inspection: Inspection) -> set[str]:
    """Department rows that have left the grid by the report's date: retired, or replaced by a
    successor that another report of the same stream has rated (DOMAIN.md "The ratings grid")."""
    cells, lifetimes = _other_reports(inspection)
    on = report_date(inspection)
    ended = set()
    for row in lifetimes:
        end = row_end_date(row, lifetimes, cells, official=inspection.official)
        if end is not None and end <= on:
            ended.add(row)
    return ended


@dataclass(frozen=True)
class RowSuggestion:
    """The suggested aggregate of a row (or a column), and which of the values it counted
    were carried forward from earlier reports rather than entered for this one."""

    suggestion: Suggestion
    carried: tuple[str, ...]


def suggest_over(entered: dict[str, str], carried: dict[str, str], keys: Iterable[str]) -> RowSuggestion:
    """Suggest from the value of each key (a key question, or a row): the rating entered for
    this report, else the rating carried forward. A non-rating entered for this report does not
    displace a carried-forward rating (DOMAIN.md "The ratings grid"); suggest() leaves
    non-ratings out."""
    values: list[str] = []
    used: list[str] = []
    for key in keys:
        mine = entered.get(key) or ""
        before = carried.get(key) or ""
        if is_rating(mine):
            values.append(mine)
        elif is_rating(before):
            values.append(before)
            used.append(key)
    return RowSuggestion(suggest(values), tuple(used))


@dataclass(frozen=True)
class RatingsSaved:
    created: int
    updated: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def _cell_text(label: str, cell: RatingCell) -> str:
    return f"{label} · {cell.key_question}: {cell.rating}"


def replace_ratings(
    inspection: Inspection,
    cells: Iterable[CellInput],
    *,
    correction_reason: str | None = None,
    actor: Any = None,
) -> RatingsSaved:
    """Make the inspection's cells exactly `cells` (the ratings grid form): create the new ones,
    update the changed ones, remove the ones no longer given. Blank cells are simply not passed.

    Refused, with a message on the form field of the cell or row, when: a rating is not on the
    scale; a cell is given twice; a row is not the inspection's; an Overall that is a rating
    differs from the suggested aggregate (over the row's key questions as they stand on the
    report's date, app.domain.aggregate) without a reason, on a row this save changes; the
    inspection is archived; or the report is published and no reason for correcting it is given.

    Audit: "create" or "update" per created or changed cell; cells are deleted when removed, and
    the removed cells (with a published report's correction reason) go on one "update" of the
    inspection, in fields "rating_cells" and "ratings_correction".
    """
    if inspection.is_archived:
        raise ValidationError({"ratings": "This inspection is archived. Restore it before changing its ratings."})
    errors: dict[str, str] = {}
    wanted: dict[tuple[str, int | None, str], tuple[CellInput, str, str]] = {}
    labels: dict[str, str] = {}
    for cell in cells:
        try:
            scope, _, department_id = _row_of(inspection, cell.department, cell.trust_row)
        except ValueError as error:
            errors.setdefault("ratings", str(error))
            continue
        row = row_key(scope, department_id)
        labels[row] = row_label(inspection, scope, cell.department)
        try:
            key_question = parse_key_question(cell.key_question)
        except UnknownKeyQuestion as error:
            errors.setdefault("ratings", str(error))
            continue
        field = cell_field(row, key_question)
        try:
            rating = parse_rating(cell.rating)
        except UnknownRating:
            errors[field] = (
                f"{labels[row]} · {key_question}: {cell.rating!r} is not on the rating scale. "
                "Choose a rating or a non-rating from the list."
            )
            continue
        key = (scope, department_id, key_question)
        if key in wanted:
            errors[field] = f"{labels[row]} · {key_question} is entered twice."
            continue
        wanted[key] = (cell, rating, row)

    existing = {(c.scope, c.department_id, c.key_question): c for c in inspection.cells}
    removed = [c for key, c in existing.items() if key not in wanted]
    # Rows whose ratings this save changes; an Overall's reason is checked on those, and on any
    # row whose reason is being changed, so that an untouched row recorded before (imported from
    # CQC, say) does not hold up a correction elsewhere.
    changed_rows = {row_key(c.scope, c.department_id) for c in removed} | {
        row for key, (_, rating, row) in wanted.items()
        if key not in existing or existing[key].rating != rating
    }
    carried = carried_forward(inspection)
    reasons: dict[tuple[str, int | None, str], str | None] = {}
    for (scope, department_id, key_question), (cell, rating, row) in wanted.items():
        if key_question != OVERALL:
            continue
        key = (scope, department_id, key_question)
        entered = {
            kq: value[1]
            for (s, d, kq), value in wanted.items()
            if (s, d) == (scope, department_id) and kq != OVERALL
        }
        before = {kq: c.rating for (r, kq), c in carried.items() if r == row}
        suggestion = suggest_over(entered, before, KEY_QUESTIONS).suggestion
        reason = (cell.override_reason or "").strip() or None
        if not differs(suggestion, rating):
            # A reason explains a difference; with none, there is nothing to explain.
            reasons[key] = None
            continue
        reasons[key] = reason
        stored_reason = existing[key].override_reason if key in existing else None
        if reason is None and (row in changed_rows or stored_reason is not None):
            errors[reason_field(row)] = (
                f"{labels[row]}: enter why the Overall ({rating}) differs from the suggested "
                f"{suggestion.rating}."
            )
        elif reason is not None and len(reason) > MAX_REASON:
            errors[reason_field(row)] = f"{labels[row]}: the reason must be 2,000 characters or fewer."

    plan: list[tuple[str, RatingCell | None, CellInput, str, str | None]] = []
    for key, (cell, rating, row) in wanted.items():
        stored = existing.get(key)
        if key in reasons:
            reason = reasons[key]
        else:
            reason = cell.override_reason or (stored.override_reason if stored else None)
        if stored is None:
            plan.append(("create", None, cell, rating, reason))
        elif (stored.rating, stored.override_reason) != (rating, reason):
            plan.append(("update", stored, cell, rating, reason))
    correction = None
    if inspection.status == "published" and (plan or removed or errors):
        correction = (correction_reason or "").strip()
        if not correction:
            errors[CORRECTION_FIELD] = "This report is published: enter why its ratings are being changed."
        elif len(correction) > MAX_REASON:
            errors[CORRECTION_FIELD] = "The reason must be 2,000 characters or fewer."
    if errors:
        # Every problem at once, so that one round trip can put them all right.
        raise ValidationError(errors)

    created = updated = 0
    for _, stored, cell, rating, reason in plan:
        if stored is None:
            scope, hospital_id, department_id = _row_of(inspection, cell.department, cell.trust_row)
            new = RatingCell(
                scope=scope,
                trust_id=inspection.trust_id,
                hospital_id=hospital_id,
                department_id=department_id,
                key_question=parse_key_question(cell.key_question),
                rating=rating,
                override_reason=reason,
                illustrative=cell.illustrative,
            )
            inspection.cells.append(new)
            record("create", new, None, actor=actor)
            created += 1
        else:
            before = snapshot(stored)
            if stored.rating != rating:
                # A person has now given this rating: it is no longer illustrative demo data.
                stored.illustrative = False
            stored.rating = rating
            stored.override_reason = reason
            record("update", stored, before, actor=actor)
            updated += 1
    if removed or correction:
        before_inspection = snapshot(inspection)
        gone = "; ".join(
            _cell_text(row_label(inspection, c.scope, c.department), c) for c in removed
        ) or None
        for cell in removed:
            inspection.cells.remove(cell)
        record(
            "update",
            inspection,
            before_inspection | {"rating_cells": gone, "ratings_correction": None},
            actor=actor,
            extra={"rating_cells": None, "ratings_correction": correction},
        )
    return RatingsSaved(created=created, updated=updated, removed=len(removed))


# --- Single Assessment Framework scores ------------------------------------------------------


@dataclass(frozen=True)
class SafSaved:
    scores: int  # statements scored after the save
    results: dict[str, SafResult]  # per key question with at least one statement scored
    changed: bool


def parse_score(value: object) -> int | None:
    """A posted score: blank is "not scored"; otherwise a whole number 1–4, or ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(value.strip()) if isinstance(value, str) else value
    if not isinstance(number, int) or not LOWEST_SCORE <= number <= HIGHEST_SCORE:
        raise ValueError(value)
    return number


def saf_results(
    statements: dict[str, tuple[QualityStatement, ...]], scores: dict[str, int | None]
) -> dict[str, SafResult]:
    """Each key question's result over its scored statements (app.domain.saf); a key question
    with no statement scored has none."""
    results = {}
    for key_question, items in statements.items():
        given = [scores[s.code] for s in items if scores.get(s.code) is not None]
        if given:
            results[key_question] = score_key_question(given)  # type: ignore[arg-type]
    return results


def replace_saf_scores(
    inspection: Inspection,
    scores: dict[str, object],
    *,
    department: Department | None = None,
    trust_row: bool = False,
    actor: Any = None,
) -> SafSaved:
    """Make one row's quality statement scores exactly `scores` (statement code -> 1–4, blank
    for not scored), and store each key question's percentage and rating with them.

    Statements are those of app/domain/data/quality_statements.json; a code not in it, or a
    score that is not a whole number 1–4, is refused with a message on "score-<code>".
    Audit: "create"/"update" per statement score and per key question result; scores and
    results that are removed are deleted and listed on one "update" of the inspection (fields
    "quality_statement_scores" and "key_question_scores").
    """
    if inspection.is_archived:
        raise ValidationError({"scores": "This inspection is archived. Restore it before scoring it."})
    try:
        scope, hospital_id, department_id = _row_of(inspection, department, trust_row)
    except ValueError as error:
        raise ValidationError({"scores": str(error)}) from None
    label = row_label(inspection, scope, department)
    statements = load_quality_statements()
    by_code = {s.code: s for items in statements.values() for s in items}
    errors: dict[str, str] = {}
    wanted: dict[str, int | None] = {}
    for code, value in scores.items():
        statement = by_code.get(code)
        if statement is None:
            errors.setdefault("scores", f"{code!r} is not a quality statement.")
            continue
        try:
            wanted[code] = parse_score(value)
        except (TypeError, ValueError):
            errors[score_field(code)] = (
                f"{statement.title}: {value!r} is not a score. Choose 1, 2, 3 or 4, or not scored."
            )
    if errors:
        raise ValidationError(errors)

    def mine(model: Any) -> Any:
        return select(model).where(
            model.inspection_id == inspection.id,
            model.scope == scope,
            model.hospital_id.is_(None) if hospital_id is None else model.hospital_id == hospital_id,
            model.department_id.is_(None) if department_id is None else model.department_id == department_id,
        )

    stored_scores = {s.statement_code: s for s in db.session.scalars(mine(QualityStatementScore))}
    stored_results = {r.key_question: r for r in db.session.scalars(mine(KeyQuestionScore))}
    # Statements not posted keep their stored score.
    current = {code: s.score for code, s in stored_scores.items() if code in by_code}
    current.update(wanted)
    results = saf_results(statements, current)
    keys = {
        "inspection_id": inspection.id,
        "scope": scope,
        "trust_id": inspection.trust_id,
        "hospital_id": hospital_id,
        "department_id": department_id,
    }
    changed = False
    removed_scores: list[str] = []
    for statement in (s for items in statements.values() for s in items):
        score = current.get(statement.code)
        stored = stored_scores.get(statement.code)
        if score is None and stored is not None:
            removed_scores.append(f"{label} · {statement.code} {statement.title}: {stored.score}")
            db.session.delete(stored)
        elif score is not None and stored is None:
            new = QualityStatementScore(
                **keys, key_question=statement.key_question, statement_code=statement.code, score=score
            )
            db.session.add(new)
            record("create", new, None, actor=actor)
        elif score is not None and stored is not None and stored.score != score:
            before = snapshot(stored)
            stored.score = score
            record("update", stored, before, actor=actor)
        else:
            continue
        changed = True
    removed_results: list[str] = []
    for key_question in KEY_QUESTIONS:
        result = results.get(key_question)
        stored_result = stored_results.get(key_question)
        values = (
            {
                "scored": result.maximum // HIGHEST_SCORE,
                "total": result.total,
                "maximum": result.maximum,
                "percent": result.percent,
                "rating": result.rating,
            }
            if result
            else None
        )
        if values is None and stored_result is not None:
            removed_results.append(
                f"{label} · {key_question}: {stored_result.percent} % {stored_result.rating}"
            )
            db.session.delete(stored_result)
        elif values is not None and stored_result is None:
            new_result = KeyQuestionScore(**keys, key_question=key_question, **values)
            db.session.add(new_result)
            record("create", new_result, None, actor=actor)
        elif values is not None and stored_result is not None and any(
            getattr(stored_result, k) != v for k, v in values.items()
        ):
            before = snapshot(stored_result)
            for k, v in values.items():
                setattr(stored_result, k, v)
            record("update", stored_result, before, actor=actor)
        else:
            continue
        changed = True
    if removed_scores or removed_results:
        before_inspection = snapshot(inspection)
        record(
            "update",
            inspection,
            before_inspection
            | {
                "quality_statement_scores": "; ".join(removed_scores) or None,
                "key_question_scores": "; ".join(removed_results) or None,
            },
            actor=actor,
            extra={"quality_statement_scores": None, "key_question_scores": None},
        )
    return SafSaved(
        scores=sum(1 for v in current.values() if v is not None), results=results, changed=changed
    )


# Enforcement that is served with a deadline for improvement (DOMAIN.md: section 29A notices
# "with deadlines"), and enforcement that answers a breach of a named regulation.
NEEDS_DEADLINE = {
    "warning_notice": "Enter the deadline of the warning notice.",
    "section_29a": "Enter the deadline of the section 29A warning notice.",
}
NEEDS_REGULATION = frozenset({"requirement_notice"})
ENFORCEMENT_SCOPES = ("trust", "hospital")


def enforcement_errors(
    inspection: Inspection,
    *,
    applies_to: str | None,
    kind: str | None,
    description: str | None,
    started_on: date | None,
    department: Department | None = None,
    regulation: str | None = None,
    deadline: date | None = None,
    ended_on: date | None = None,
) -> dict[str, str]:
    """Every problem with enforcement that followed `inspection`, by field. Adds nothing."""
    errors = _enforcement_errors(kind or "", regulation, started_on, deadline, ended_on)
    if applies_to not in ENFORCEMENT_SCOPES:
        errors["applies_to"] = "Choose whether it applies to the trust or the hospital."
    elif applies_to == "hospital" and inspection.hospital is None:
        errors["applies_to"] = "A trust-level review's enforcement applies to the trust."
    if department is not None:
        if inspection.hospital_id is None or department.hospital_id != inspection.hospital_id:
            errors["department"] = f"{department.name} is not a department of the inspected hospital."
        elif applies_to == "trust":
            errors["department"] = "A department belongs to the hospital: choose the hospital, or no department."
    if not (description or "").strip():
        errors["description"] = "Enter what the enforcement requires."
    if started_on is None:
        errors["started_on"] = "Enter the date it started."
    if kind in NEEDS_DEADLINE and deadline is None:
        errors.setdefault("deadline", NEEDS_DEADLINE[kind])
    if kind in NEEDS_REGULATION and not regulation:
        errors.setdefault("regulation", "A requirement notice needs the regulation that was breached.")
    return errors


def record_enforcement(
    inspection: Inspection,
    *,
    applies_to: str,
    kind: str,
    description: str,
    started_on: date | None,
    department: Department | None = None,
    regulation: str | None = None,
    deadline: date | None = None,
    ended_on: date | None = None,
    actor: Any = None,
) -> Enforcement:
    """Enforcement that followed an inspection, served on the trust or on the inspected hospital
    (optionally naming one of its departments): a warning notice or section 29A notice needs its
    deadline, a requirement notice the regulation breached; special measures run from their
    start to their end (blank while in force)."""
    errors = enforcement_errors(
        inspection, applies_to=applies_to, kind=kind, description=description, started_on=started_on,
        department=department, regulation=regulation, deadline=deadline, ended_on=ended_on,
    )
    if errors:
        raise ValidationError(errors)
    assert started_on is not None
    return add_enforcement(
        inspection.trust,
        kind=kind,
        description=description.strip(),
        started_on=started_on,
        hospital=inspection.hospital if applies_to == "hospital" else None,
        department=department,
        inspection=inspection,
        regulation=regulation,
        deadline=deadline,
        ended_on=ended_on,
        actor=actor,
    )
