"""One inspection's cells as a grid, each against that cell's previous rating in the same
stream (official with official, internal with internal), and how many went up or down."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

from sqlalchemy import or_, select

from app.domain.changes import DOWN, NEW, NONE, SAME, UP, compare
from app.domain.grid import GridCell, RatedCell, median_age_days, previous_rating
from app.domain.ratings import GRID_COLUMNS
from app.extensions import db
from app.inspections.grids import (
    GridRow,
    HospitalGrid,
    hospital_departments,
    lifetimes_of,
    published_cells,
    rated_cells,
    record_row,
    service_order,
)
from app.inspections.models import Inspection, RatingCell


def inspection_grid(inspection: Inspection) -> HospitalGrid:
    """The cells one published inspection gave, as a grid, each with what changed.

    Per cell: the previous rating of the same cell, i.e. the latest rating (non-ratings left
    out, as in current_grid) that another published, unarchived inspection of the same stream
    gave before this one's publication date (official compared with official only, internal
    with internal), or for a renamed service's first rating its predecessor's
    (app.domain.grid.previous_rating), and the change (app.domain.changes.compare). Four
    queries whatever the number of earlier inspections. Raises ValueError for a draft: it has
    no publication date.
    """
    if inspection.published_on is None:
        raise ValueError("A draft inspection has no publication date to compare against.")
    official = inspection.official
    given = db.session.scalars(select(RatingCell).where(RatingCell.inspection_id == inspection.id)).all()
    departments = hospital_departments(inspection.hospital_id) if inspection.hospital_id else []
    department_of = {d.id: d for d in departments}
    stream = Inspection.source == "official" if official else Inspection.source != "official"
    # The same rows: the hospital's departments and its own row, and the trust's row.
    place = or_(RatingCell.hospital_id == inspection.hospital_id, RatingCell.scope == "trust")
    earlier = published_cells(
        RatingCell.trust_id == inspection.trust_id,
        place,
        stream,
        Inspection.id != inspection.id,
        Inspection.published_on < inspection.published_on,
    )
    history = rated_cells(earlier)
    histories: dict[tuple[Hashable, str], list[RatedCell]] = defaultdict(list)
    for earlier_cell in history:
        histories[(earlier_cell.row, earlier_cell.key_question)].append(earlier_cell)
    # A renamed or split service's first rating is compared with its predecessor's.
    lifetimes = lifetimes_of(departments)

    labels: dict[tuple[str, int], tuple[tuple[int, int, str], str | None]] = {}
    cells: dict[tuple[tuple[str, int], str], GridCell] = {}
    illustrative = set()
    for cell in given:
        row = record_row(cell)
        if cell.scope == "department":
            department = department_of[cell.department_id]
            order = service_order(department.service_code)
            labels[row] = ((0, order, department.name), department.service_code)
        elif cell.scope == "hospital":
            labels[row] = ((1, 0, f"Overall for {inspection.hospital.name}"), None)
        else:
            labels[row] = ((2, 0, f"Trust: {inspection.trust.name}"), None)
        given_cell = RatedCell(row, cell.key_question, cell.rating, inspection.published_on, inspection.id, official)
        previous = previous_rating(histories, lifetimes, given_cell)
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
