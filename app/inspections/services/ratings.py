"""The ratings grid form: one row per inspected department (plus hospital and trust rows),
what each cell carries forward from other reports, the suggested aggregates, and replacing an
inspection's cells in one validated step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.audit.services import record, snapshot
from app.domain import inspections as vocab
from app.domain.aggregate import Suggestion, differs, suggest
from app.domain.grid import GridCell, RatedCell, RowLifetime, current_grid, row_end_date
from app.domain.ratings import (
    KEY_QUESTIONS,
    OVERALL,
    UnknownKeyQuestion,
    UnknownRating,
    is_rating,
    parse_key_question,
    parse_rating,
)
from app.errors import ValidationError
from app.extensions import db
from app.inspections.models import Inspection, RatingCell
from app.inspections.services.recording import CellInput
from app.organisations.models import Department

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


def report_date(inspection: Inspection) -> date:
    """The date a report's grid stands on: its publication date, or today for an unpublished
    draft (its ratings would take effect from publication)."""
    return inspection.published_on or date.today()


def row_of(inspection: Inspection, department: Department | None, trust_row: bool) -> tuple[str, int | None, int | None]:
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
            scope, _, department_id = row_of(inspection, cell.department, cell.trust_row)
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
            scope, hospital_id, department_id = row_of(inspection, cell.department, cell.trust_row)
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
