"""Reading ratings grids from the database: one query for the cells, the domain for the rule.

The "latest rating per cell as of a date" rule lives once, in app.domain.grid; this module only
fetches a hospital's published cells and shapes the result as plain data for templates, the
CLI and the JSON download.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.audit.log import csv_cell
from app.domain.catalogue import SERVICES
from app.domain.changes import DOWN, NEW, NONE, SAME, UP, compare
from app.domain.grid import (
    GridCell,
    RatedCell,
    RowLifetime,
    cell_history,
    current_grid,
    median_age_days,
)
from app.domain.ratings import GRID_COLUMNS, OVERALL, is_rating
from app.extensions import db
from app.inspections.models import Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust

_SERVICE_ORDER = {code: index for index, code in enumerate(SERVICES)}


@dataclass(frozen=True)
class GridRow:
    key: tuple[str, int]
    label: str
    service_code: str | None
    cells: tuple[GridCell | None, ...]  # one per GRID_COLUMNS entry; None = no cell


@dataclass(frozen=True)
class HospitalGrid:
    hospital_code: str
    hospital_name: str
    as_of: date
    official: bool
    rows: tuple[GridRow, ...]  # department rows, then the hospital's own row last
    illustrative: frozenset[tuple[tuple[str, int], str]]  # (row key, key question)
    median_age_days: float | None

    @property
    def dates(self) -> tuple[date, ...]:
        """The distinct report dates the grid's cells come from, oldest first."""
        return tuple(sorted({c.published_on for row in self.rows for c in row.cells if c}))

    def is_illustrative(self, row: GridRow, cell: GridCell) -> bool:
        return (row.key, cell.key_question) in self.illustrative

    def as_json(self) -> dict[str, Any]:
        """The shape of `flask grid --json`: one entry per present cell, official spelling."""
        return {
            "hospital": self.hospital_code,
            "as_of": self.as_of.isoformat(),
            "cells": [
                {
                    "service": row.service_code,
                    "key_question": cell.key_question,
                    "rating": cell.rating,
                    "date": cell.published_on.isoformat(),
                }
                for row in self.rows
                for cell in row.cells
                if cell is not None
            ],
        }


def _published_cells(hospital_ids: Sequence[int], *extra: Any) -> list[Any]:
    query = (
        select(
            RatingCell.hospital_id,
            RatingCell.scope,
            RatingCell.department_id,
            RatingCell.key_question,
            RatingCell.rating,
            RatingCell.illustrative,
            Inspection.id,
            Inspection.published_on,
            Inspection.source,
        )
        .join(Inspection, RatingCell.inspection_id == Inspection.id)
        .where(
            RatingCell.hospital_id.in_(hospital_ids),
            Inspection.status == "published",
            # An archived inspection's ratings no longer count.
            Inspection.archived_at.is_(None),
            *extra,
        )
    )
    return list(db.session.execute(query))


def _row_key(scope: str, hospital_id: int, department_id: int | None) -> tuple[str, int]:
    return ("department", department_id) if scope == "department" else ("hospital", hospital_id)  # type: ignore[return-value]


def _rated(rows: Iterable[Any]) -> list[RatedCell]:
    return [
        RatedCell(
            row=_row_key(r.scope, r.hospital_id, r.department_id),
            key_question=r.key_question,
            rating=r.rating,
            published_on=r.published_on,
            report_id=r.id,
            official=r.source == "official",
        )
        for r in rows
    ]


def hospital_grid(hospital: Hospital, as_of: date, *, official: bool = True) -> HospitalGrid:
    """The hospital's grid on `as_of`: per cell the latest published rating on or before it."""
    records = _published_cells([hospital.id])
    departments = db.session.scalars(
        select(Department)
        .where(Department.hospital_id == hospital.id)
        .options(selectinload(Department.successors))
    ).all()
    lifetimes = {
        ("department", d.id): RowLifetime(
            row=("department", d.id),
            retired_on=d.retired_on,
            successors=tuple(("department", s.id) for s in d.successors),
        )
        for d in departments
    }
    grid = current_grid(_rated(records), as_of, official=official, lifetimes=lifetimes)
    illustrative = frozenset(
        (_row_key(r.scope, r.hospital_id, r.department_id), r.key_question)
        for r in records
        if r.illustrative
        and (cell := grid.get((_row_key(r.scope, r.hospital_id, r.department_id), r.key_question)))
        and cell.report_id == r.id
    )
    present = {row for row, _ in grid}
    ordered = sorted(
        (d for d in departments if ("department", d.id) in present),
        key=lambda d: (_SERVICE_ORDER.get(d.service_code, len(_SERVICE_ORDER)), d.name),
    )
    rows = [
        GridRow(
            key=("department", d.id),
            label=d.name,
            service_code=d.service_code,
            cells=tuple(grid.get((("department", d.id), kq)) for kq in GRID_COLUMNS),
        )
        for d in ordered
    ]
    hospital_key = ("hospital", hospital.id)
    if hospital_key in present:
        rows.append(
            GridRow(
                key=hospital_key,
                label=f"Overall for {hospital.name}",
                service_code=None,
                cells=tuple(grid.get((hospital_key, kq)) for kq in GRID_COLUMNS),
            )
        )
    return HospitalGrid(
        hospital_code=hospital.ods_code,
        hospital_name=hospital.name,
        as_of=as_of,
        official=official,
        rows=tuple(rows),
        illustrative=illustrative,
        median_age_days=median_age_days(grid, as_of),
    )


def overall_ratings(hospital_ids: Sequence[int], as_of: date) -> dict[int, GridCell]:
    """Each hospital's current official Overall rating (its own row), in one query."""
    records = _published_cells(
        hospital_ids, RatingCell.scope == "hospital", RatingCell.key_question == OVERALL
    )
    grid = current_grid(_rated(records), as_of)
    return {row[1]: cell for (row, _), cell in grid.items()}


# -- Seeing the ratings (issue 4): the latest internal inspection, one inspection's cells as a
#    grid with what changed against each cell's previous rating, and the CSV download.


def latest_internal_inspection(hospital: Hospital, as_of: date) -> Inspection | None:
    """The hospital's latest published mock or peer-review inspection on or before as_of."""
    return db.session.scalars(
        select(Inspection)
        .where(
            Inspection.hospital_id == hospital.id,
            Inspection.source != "official",
            Inspection.status == "published",
            Inspection.archived_at.is_(None),
            Inspection.published_on <= as_of,
        )
        .order_by(Inspection.published_on.desc(), Inspection.id.desc())
        .limit(1)
    ).first()


def _cell_row(
    scope: str, trust_id: int, hospital_id: int | None, department_id: int | None
) -> tuple[str, int]:
    if scope == "trust":
        return ("trust", trust_id)
    return _row_key(scope, hospital_id, department_id)  # type: ignore[arg-type]


def inspection_grid(inspection: Inspection) -> HospitalGrid:
    """The cells one published inspection gave, as a grid, each with what changed.

    Per cell: the previous rating of the same cell, i.e. the latest rating (non-ratings left
    out, as in current_grid) that another published, unarchived inspection of the same stream
    gave before this one's publication date (official compared with official only, internal
    with internal), and the change (app.domain.changes.compare). Three queries whatever the
    number of earlier inspections. Raises ValueError for a draft: it has no publication date.
    """
    if inspection.published_on is None:
        raise ValueError("A draft inspection has no publication date to compare against.")
    official = inspection.official
    given = db.session.scalars(
        select(RatingCell)
        .where(RatingCell.inspection_id == inspection.id)
        .options(selectinload(RatingCell.department))
    ).all()
    stream = Inspection.source == "official" if official else Inspection.source != "official"
    # The same rows: the hospital's departments and its own row, and the trust's row.
    place = or_(RatingCell.hospital_id == inspection.hospital_id, RatingCell.scope == "trust")
    earlier = db.session.execute(
        select(
            RatingCell.scope,
            RatingCell.trust_id,
            RatingCell.hospital_id,
            RatingCell.department_id,
            RatingCell.key_question,
            RatingCell.rating,
            Inspection.id,
            Inspection.published_on,
        )
        .join(Inspection, RatingCell.inspection_id == Inspection.id)
        .where(
            RatingCell.trust_id == inspection.trust_id,
            place,
            stream,
            Inspection.id != inspection.id,
            Inspection.status == "published",
            Inspection.archived_at.is_(None),
            Inspection.published_on < inspection.published_on,
        )
    ).all()
    history = [
        RatedCell(
            row=_cell_row(r.scope, r.trust_id, r.hospital_id, r.department_id),
            key_question=r.key_question,
            rating=r.rating,
            published_on=r.published_on,
            report_id=r.id,
            official=official,
        )
        for r in earlier
    ]

    labels: dict[tuple[str, int], tuple[tuple[int, int, str], str | None]] = {}
    cells: dict[tuple[tuple[str, int], str], GridCell] = {}
    illustrative = set()
    for cell in given:
        row = _cell_row(cell.scope, cell.trust_id, cell.hospital_id, cell.department_id)
        if cell.scope == "department":
            department = cell.department
            order = _SERVICE_ORDER.get(department.service_code, len(_SERVICE_ORDER))
            labels[row] = ((0, order, department.name), department.service_code)
        elif cell.scope == "hospital":
            labels[row] = ((1, 0, f"Overall for {inspection.hospital.name}"), None)
        else:
            labels[row] = ((2, 0, f"Trust: {inspection.trust.name}"), None)
        before = cell_history(history, row, cell.key_question, official=official)
        ratings = [c for c in before if is_rating(c.rating)]
        previous = ratings[-1] if ratings else None
        cells[(row, cell.key_question)] = GridCell(
            row=row,
            key_question=cell.key_question,
            rating=cell.rating,
            published_on=inspection.published_on,
            report_id=inspection.id,
            previous=previous,
            change=compare(previous.rating if previous else None, cell.rating),
        )
        if cell.illustrative:
            illustrative.add((row, cell.key_question))

    place_record = inspection.hospital or inspection.trust
    return HospitalGrid(
        hospital_code=place_record.ods_code,
        hospital_name=place_record.name,
        as_of=inspection.published_on,
        official=official,
        rows=tuple(
            GridRow(
                key=row,
                label=sort_key[2],
                service_code=service_code,
                cells=tuple(cells.get((row, kq)) for kq in GRID_COLUMNS),
            )
            for row, (sort_key, service_code) in sorted(labels.items(), key=lambda item: item[1][0])
        ),
        illustrative=frozenset(illustrative),
        median_age_days=median_age_days(cells, inspection.published_on),
    )


def change_counts(grid: HospitalGrid) -> dict[str, int]:
    """How many of the grid's cells went up, down, stayed the same, are new, or are non-ratings."""
    counts = {kind: 0 for kind in (UP, DOWN, SAME, NEW, NONE)}
    for row in grid.rows:
        for cell in row.cells:
            if cell is not None:
                counts[cell.change.kind] += 1
    return counts


CSV_COLUMNS = ("Service", "Service code", "Key question", "Rating", "Date", "Illustrative")


def grid_csv(grid: HospitalGrid) -> str:
    """The grid as CSV: a header row, then one row per present cell in the grid's order.

    Every cell goes through csv_cell, so text a spreadsheet would run as a formula (= + - @)
    gets a leading apostrophe. Starts with a byte-order mark so that Excel reads UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in grid.rows:
        for cell in row.cells:
            if cell is None:
                continue
            writer.writerow(
                csv_cell(value)
                for value in (
                    row.label,
                    row.service_code or "",
                    cell.key_question,
                    cell.rating,
                    cell.published_on.isoformat(),
                    "yes" if grid.is_illustrative(row, cell) else "no",
                )
            )
    return "\ufeff" + buffer.getvalue()


def grid_json(grid: HospitalGrid, inspection: Inspection | None = None) -> dict[str, Any]:
    """The download's JSON: `flask grid --json`'s shape (as_json); an internal grid adds
    "official": false, and one inspection's grid its "inspection_id", so that neither can
    pass for the official current grid."""
    data = grid.as_json()
    if not grid.official:
        data["official"] = False
    if inspection is not None:
        data["inspection_id"] = inspection.id
    return data


def download_name(grid: HospitalGrid, extension: str, inspection: Inspection | None = None) -> str:
    """The code, what the grid is and its date: R1HKH-grid-2016-06-01.csv,
    R1HKH-inspection-7-grid-2016-12-16.json, R1HKH-internal-inspection-9-grid-2025-05-01.csv."""
    if inspection is None:
        what = "grid"
    elif inspection.official:
        what = f"inspection-{inspection.id}-grid"
    else:
        what = f"internal-inspection-{inspection.id}-grid"
    return f"{grid.hospital_code}-{what}-{grid.as_of.isoformat()}.{extension}"


# -- A trust's grid: each hospital's own row, then the trust's row ------------------------------


@dataclass(frozen=True)
class TrustGrid:
    """A trust's grid on a date (DOMAIN.md "The ratings grid": "A trust has the same grid one
    level up (rows = hospitals; trust Well-led comes from a separate trust-level review, not
    from adding up hospitals)")."""

    trust_code: str
    trust_name: str
    as_of: date
    official: bool
    # Every hospital of the trust by name (its own row, as hospital_grid's last row; cells None
    # where nothing was published), then the trust's row.
    rows: tuple[GridRow, ...]
    illustrative: frozenset[tuple[tuple[str, int], str]]  # (row key, key question)

    @property
    def dates(self) -> tuple[date, ...]:
        """The distinct report dates the grid's cells come from, oldest first."""
        return tuple(sorted({c.published_on for row in self.rows for c in row.cells if c}))

    def is_illustrative(self, row: GridRow, cell: GridCell) -> bool:
        return (row.key, cell.key_question) in self.illustrative


def trust_grid(trust: Trust, as_of: date, *, official: bool = True) -> TrustGrid:
    """The trust's grid on `as_of`: per cell the latest published rating on or before it, for
    the hospitals' own rows and the trust's row, in one query whatever the number of hospitals
    (plus one for the trust's hospitals unless they are loaded already)."""
    records = list(
        db.session.execute(
            select(
                RatingCell.scope,
                RatingCell.hospital_id,
                RatingCell.key_question,
                RatingCell.rating,
                RatingCell.illustrative,
                Inspection.id,
                Inspection.published_on,
                Inspection.source,
            )
            .join(Inspection, RatingCell.inspection_id == Inspection.id)
            .where(
                RatingCell.trust_id == trust.id,
                RatingCell.scope.in_(("trust", "hospital")),
                Inspection.status == "published",
                Inspection.archived_at.is_(None),
            )
        )
    )
    trust_key = ("trust", trust.id)

    def key(record: Any) -> tuple[str, int]:
        return trust_key if record.scope == "trust" else ("hospital", record.hospital_id)

    grid = current_grid(
        [
            RatedCell(
                row=key(r),
                key_question=r.key_question,
                rating=r.rating,
                published_on=r.published_on,
                report_id=r.id,
                official=r.source == "official",
            )
            for r in records
        ],
        as_of,
        official=official,
    )
    illustrative = frozenset(
        (key(r), r.key_question)
        for r in records
        if r.illustrative and (cell := grid.get((key(r), r.key_question))) and cell.report_id == r.id
    )
    rows = [
        GridRow(
            key=("hospital", h.id),
            label=h.name,
            service_code=None,
            cells=tuple(grid.get((("hospital", h.id), kq)) for kq in GRID_COLUMNS),
        )
        for h in sorted(trust.hospitals, key=lambda h: h.name)
    ]
    rows.append(
        GridRow(
            key=trust_key,
            label=f"Overall for {trust.name}",
            service_code=None,
            cells=tuple(grid.get((trust_key, kq)) for kq in GRID_COLUMNS),
        )
    )
    return TrustGrid(
        trust_code=trust.ods_code,
        trust_name=trust.name,
        as_of=as_of,
        official=official,
        rows=tuple(rows),
        illustrative=illustrative,
    )
