"""Reading ratings grids from the database: one query for the cells, the domain for the rule.

The "latest rating per cell as of a date" rule lives once, in app.domain.grid; this module only
fetches a hospital's published cells and shapes the result as plain data for templates, the
CLI and the JSON download.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import selectinload

from app.domain.catalogue import SERVICES
from app.domain.grid import GridCell, RatedCell, RowLifetime, current_grid, median_age_days
from app.domain.ratings import GRID_COLUMNS, OVERALL, RATINGS
from app.extensions import db
from app.inspections.models import Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust

_SERVICE_ORDER = {code: index for index, code in enumerate(SERVICES)}


def service_order(service_code: str | None) -> int:
    """Where a service's row goes: the order of CQC's service list, unknown services last."""
    return _SERVICE_ORDER.get(service_code, len(_SERVICE_ORDER))  # type: ignore[arg-type]


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


def _cell_columns() -> tuple[Any, ...]:
    """The columns of a published_cells row (latest_cells gives the same)."""
    return (
        RatingCell.scope,
        RatingCell.trust_id,
        RatingCell.hospital_id,
        RatingCell.department_id,
        RatingCell.key_question,
        RatingCell.rating,
        RatingCell.illustrative,
        Inspection.id.label("id"),
        Inspection.published_on,
        Inspection.source,
    )


def published_cells(*conditions: Any) -> list[Any]:
    """Published cells of unarchived inspections matching `conditions`, one query: rows with
    scope, trust_id, hospital_id, department_id, key_question, rating, illustrative, and the
    report's id, published_on and source. The assembly functions below take these rows."""
    query = (
        select(*_cell_columns())
        .join(Inspection, RatingCell.inspection_id == Inspection.id)
        .where(
            Inspection.status == "published",
            # An archived inspection's ratings no longer count.
            Inspection.archived_at.is_(None),
            *conditions,
        )
    )
    return list(db.session.execute(query))


def latest_cells(as_of: date, *conditions: Any, official: bool = True) -> list[Any]:
    """published_cells of one stream on or before `as_of`, cut down in SQL to what
    app.domain.grid.current_grid needs for rows that no other row replaces (hospitals' and
    trusts' own rows): per cell, the ratings of its two latest rating dates (the current one
    and the previous one for the trend) and the non-ratings of its latest non-rating date (shown
    while the cell has no rating). One query; current_grid on these rows gives the same grid as
    on the whole history, so a page costs the same at 1 or 10,000 inspections a row."""
    is_rated = RatingCell.rating.in_(RATINGS)
    cell = (RatingCell.scope, RatingCell.trust_id, RatingCell.hospital_id, RatingCell.department_id,
            RatingCell.key_question)
    ranked = (
        select(
            *_cell_columns(),
            is_rated.label("rated"),
            func.dense_rank().over(partition_by=(*cell, is_rated), order_by=Inspection.published_on.desc())
            .label("recency"),
        )
        .join(Inspection, RatingCell.inspection_id == Inspection.id)
        .where(
            Inspection.status == "published",
            Inspection.archived_at.is_(None),
            (Inspection.source == "official") if official else (Inspection.source != "official"),
            Inspection.published_on <= as_of,
            *conditions,
        )
        .subquery()
    )
    query = select(*(ranked.c[column.key] for column in _cell_columns())).where(or_(and_(ranked.c.rated, ranked.c.recency <= 2), and_(not_(ranked.c.rated), ranked.c.recency == 1)))
    return list(db.session.execute(query))


def row_key(scope: str, hospital_id: int, department_id: int | None) -> tuple[str, int]:
    return ("department", department_id) if scope == "department" else ("hospital", hospital_id)  # type: ignore[return-value]


def record_row(record: Any) -> tuple[str, int]:
    """The grid row of a published_cells row: ("trust", id), ("hospital", id) or ("department", id)."""
    if record.scope == "trust":
        return ("trust", record.trust_id)
    return row_key(record.scope, record.hospital_id, record.department_id)


def rated_cells(records: Iterable[Any]) -> list[RatedCell]:
    """published_cells rows as the domain's RatedCells."""
    return [
        RatedCell(
            row=record_row(r),
            key_question=r.key_question,
            rating=r.rating,
            published_on=r.published_on,
            report_id=r.id,
            official=r.source == "official",
        )
        for r in records
    ]


def _illustrative(records: Iterable[Any], grid: dict[Any, GridCell]) -> frozenset[tuple[tuple[str, int], str]]:
    """The cells of `grid` whose current value is an illustrative (demo) one."""
    return frozenset(
        (record_row(r), r.key_question)
        for r in records
        if r.illustrative
        and (cell := grid.get((record_row(r), r.key_question)))
        and cell.report_id == r.id
    )


def hospital_departments(hospital_id: int) -> list[Department]:
    """The hospital's departments, retired ones too, with the rows that replace them. Two queries."""
    return list(
        db.session.scalars(
            select(Department)
            .where(Department.hospital_id == hospital_id)
            .options(selectinload(Department.successors))
        )
    )


def lifetimes_of(departments: Iterable[Department]) -> dict[tuple[str, int], RowLifetime]:
    """When each department row stops being current: its retirement, and the rows that replace
    it (renamed or split services)."""
    return {
        ("department", d.id): RowLifetime(
            row=("department", d.id),
            retired_on=d.retired_on,
            successors=tuple(("department", s.id) for s in d.successors),
        )
        for d in departments
    }


def hospital_grid(hospital: Hospital, as_of: date, *, official: bool = True) -> HospitalGrid:
    """The hospital's grid on `as_of`: per cell the latest published rating on or before it.
    Three queries."""
    records = published_cells(RatingCell.hospital_id == hospital.id)
    return hospital_grid_from(hospital, hospital_departments(hospital.id), records, as_of, official=official)


def hospital_grid_from(
    hospital: Hospital,
    departments: Sequence[Department],
    records: Iterable[Any],
    as_of: date,
    *,
    official: bool = True,
) -> HospitalGrid:
    """hospital_grid from rows already read (published_cells of the hospital) and its
    departments already loaded (with their successors): no query. The board pack reads a whole
    trust's cells at once and builds each hospital's grid with this."""
    records = [r for r in records if r.scope != "trust"]
    grid = current_grid(rated_cells(records), as_of, official=official, lifetimes=lifetimes_of(departments))
    present = {row for row, _ in grid}
    ordered = sorted(
        (d for d in departments if ("department", d.id) in present),
        key=lambda d: (service_order(d.service_code), d.name),
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
        illustrative=_illustrative(records, grid),
        median_age_days=median_age_days(grid, as_of),
    )


def overall_ratings(hospital_ids: Sequence[int], as_of: date) -> dict[int, GridCell]:
    """Each hospital's current official Overall rating (its own row), in one query."""
    records = latest_cells(
        as_of, RatingCell.hospital_id.in_(hospital_ids), RatingCell.scope == "hospital",
        RatingCell.key_question == OVERALL,
    )
    grid = current_grid(rated_cells(records), as_of)
    return {row[1]: cell for (row, _), cell in grid.items()}



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
    records = latest_cells(as_of, RatingCell.trust_id == trust.id, RatingCell.scope.in_(("trust", "hospital")),
                           official=official)
    return trust_grid_from(trust, trust.hospitals, records, as_of, official=official)


def trust_grid_from(
    trust: Trust, hospitals: Iterable[Hospital], records: Iterable[Any], as_of: date, *, official: bool = True
) -> TrustGrid:
    """trust_grid from rows already read (published_cells of the trust; department rows are
    left out): no query."""
    records = [r for r in records if r.scope in ("trust", "hospital")]
    grid = current_grid(rated_cells(records), as_of, official=official)
    trust_key = ("trust", trust.id)
    rows = [
        GridRow(
            key=("hospital", h.id),
            label=h.name,
            service_code=None,
            cells=tuple(grid.get((("hospital", h.id), kq)) for kq in GRID_COLUMNS),
        )
        for h in sorted(hospitals, key=lambda h: h.name)
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
        illustrative=_illustrative(records, grid),
    )
