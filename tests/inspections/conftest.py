"""Factories for inspection tests, built on the services so test data obeys the real rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import pytest

from app.inspections.models import Inspection
from app.inspections.services import CellInput, create_inspection, publish, record_ratings
from app.organisations.models import Department, Hospital, Trust
from app.organisations.services import create_department, create_hospital, create_trust

SHORT = {
    "O": "Outstanding",
    "G": "Good",
    "RI": "Requires improvement",
    "I": "Inadequate",
    "IBNR": "Inspected but not rated",
}


@pytest.fixture
def trust(app) -> Trust:
    return create_trust(ods_code="R1H", name="Barts Health NHS Trust")


@pytest.fixture
def hospital(trust) -> Hospital:
    return create_hospital(trust, ods_code="R1HKH", name="Whipps Cross University Hospital")


@pytest.fixture
def departments(hospital) -> Callable[..., dict[str, Department]]:
    """departments("urgent", "surgery") -> {"urgent": Department, ...} of the hospital."""

    def make(*services: str) -> dict[str, Department]:
        return {s: create_department(hospital, service_code=s) for s in services}

    return make


@pytest.fixture
def inspect(trust, hospital) -> Callable[..., Inspection]:
    """Record an inspection of the hospital with its grid, published unless draft=True.

    `grid` maps a Department (or None, the hospital's own row) to {key question: rating code};
    `illustrative` lists (department or None, key question) cells to mark illustrative.
    """

    def make(
        published_on: date,
        grid: Mapping[Department | None, Mapping[str, str]],
        *,
        source: str = "official",
        inspection_type: str = "comprehensive",
        draft: bool = False,
        illustrative: tuple[tuple[Department | None, str], ...] = (),
        of: Hospital | None = None,
    ) -> Inspection:
        inspection = create_inspection(
            trust,
            hospital=of or hospital,
            inspection_type=inspection_type,
            source=source,
            visit_start=published_on - timedelta(days=90),
            visit_end=published_on - timedelta(days=88),
        )
        record_ratings(
            inspection,
            [
                CellInput(
                    key_question=kq,
                    rating=SHORT.get(code, code),
                    department=department,
                    illustrative=(department, kq) in illustrative,
                )
                for department, cells in grid.items()
                for kq, code in cells.items()
            ],
        )
        if not draft:
            publish(inspection, published_on)
        return inspection

    return make
