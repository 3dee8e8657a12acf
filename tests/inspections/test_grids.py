"""A hospital's grid read from the database, on data built through the services (not the demo).

DOMAIN.md "The ratings grid": per cell, the most recent published rating on or before the date;
official and internal ratings never mixed; superseded and retired rows leave from their end date.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.extensions import db
from app.inspections.grids import HospitalGrid, hospital_grid, overall_ratings
from app.inspections.services import CellInput, create_inspection, record_ratings
from app.organisations.services import create_hospital, retire_department
from tests.support import statements

KEY_QUESTIONS = ("Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall")
D2015, D2019, D2022 = date(2015, 3, 17), date(2019, 2, 1), date(2022, 11, 4)
LATER = date(2026, 1, 1)


def row(*codes: str) -> dict[str, str]:
    """row("G", "RI", "-", ...) -> {key question: code}, in grid column order; "-" = no cell."""
    assert len(codes) == len(KEY_QUESTIONS)
    return {kq: code for kq, code in zip(KEY_QUESTIONS, codes) if code != "-"}


ALL_GOOD = row("G", "G", "G", "G", "G", "G")
ALL_RI = row("RI", "RI", "RI", "RI", "RI", "RI")


def cells(grid: HospitalGrid) -> dict[tuple[str | None, str], tuple[str, date]]:
    """{(service code or None for the hospital row, key question): (rating, date)}."""
    return {
        (r.service_code, c.key_question): (c.rating, c.published_on)
        for r in grid.rows
        for c in r.cells
        if c is not None
    }


def services(grid: HospitalGrid) -> list[str | None]:
    return [r.service_code for r in grid.rows]




# -- Carry-forward and as-of ----------------------------------------------------------------------


@pytest.fixture
def focused_after_comprehensive(departments, inspect):
    made = departments("urgent", "surgery")
    inspect(D2019, {made["urgent"]: ALL_RI, made["surgery"]: ALL_GOOD, None: ALL_RI})
    inspect(D2022, {made["urgent"]: row("G", "-", "-", "-", "-", "G")}, inspection_type="focused")
    return made


def test_a_focused_inspection_re_rates_only_its_cells(hospital, focused_after_comprehensive):
    grid = cells(hospital_grid(hospital, LATER))
    assert grid == {
        ("urgent", "Safe"): ("Good", D2022),
        ("urgent", "Effective"): ("Requires improvement", D2019),
        ("urgent", "Caring"): ("Requires improvement", D2019),
        ("urgent", "Responsive"): ("Requires improvement", D2019),
        ("urgent", "Well-led"): ("Requires improvement", D2019),
        ("urgent", "Overall"): ("Good", D2022),
        **{("surgery", kq): ("Good", D2019) for kq in KEY_QUESTIONS},
        **{(None, kq): ("Requires improvement", D2019) for kq in KEY_QUESTIONS},
    }


def test_a_re_rated_cell_carries_its_previous_rating_and_trend(hospital, focused_after_comprehensive):
    urgent = hospital_grid(hospital, LATER).rows[0]
    safe = urgent.cells[KEY_QUESTIONS.index("Safe")]
    effective = urgent.cells[KEY_QUESTIONS.index("Effective")]
    assert (safe.previous.rating, safe.change.kind, safe.change.steps) == ("Requires improvement", "up", 1)
    assert (effective.previous, effective.change.kind) == (None, "new")


def test_the_grids_dates_are_its_report_dates(hospital, focused_after_comprehensive):
    grid = hospital_grid(hospital, LATER)
    assert grid.dates == (D2019, D2022)
    assert grid.median_age_days == (LATER - D2019).days


@pytest.mark.parametrize(
    ("as_of", "urgent_safe"),
    [
        (date(2019, 1, 31), None),  # before any report: an empty grid
        (D2019, ("Requires improvement", D2019)),  # ratings count from their publication day
        (date(2022, 11, 3), ("Requires improvement", D2019)),  # the day before the focused report
        (D2022, ("Good", D2022)),
    ],
)
def test_as_of_shows_the_grid_as_it_stood(hospital, focused_after_comprehensive, as_of, urgent_safe):
    grid = hospital_grid(hospital, as_of)
    assert grid.as_of == as_of
    assert cells(grid).get(("urgent", "Safe")) == urgent_safe
    if urgent_safe is None:
        assert grid.rows == () and grid.median_age_days is None
    elif as_of < D2022:
        assert {when for _, when in cells(grid).values()} == {D2019}


def test_rows_follow_the_catalogue_order_with_the_hospital_row_last(hospital, departments, inspect):
    made = departments("surgery", "life", "urgent")  # created out of order
    inspect(D2019, {None: ALL_GOOD, made["life"]: ALL_GOOD, made["surgery"]: ALL_GOOD, made["urgent"]: ALL_GOOD})
    grid = hospital_grid(hospital, LATER)
    assert services(grid) == ["urgent", "surgery", "life", None]
    assert grid.rows[-1].label == "Overall for Whipps Cross University Hospital"


def test_a_cell_never_rated_is_empty(hospital, departments, inspect):
    diagnostic = departments("diagnostic")["diagnostic"]
    inspect(D2019, {diagnostic: row("G", "-", "G", "RI", "G", "G")})
    (only,) = hospital_grid(hospital, LATER).rows
    assert [c.rating if c else None for c in only.cells] == [
        "Good", None, "Good", "Requires improvement", "Good", "Good",
    ]


# -- What does not count ---------------------------------------------------------------------------


def test_a_draft_inspection_does_not_count(trust, hospital, focused_after_comprehensive, inspect):
    urgent = focused_after_comprehensive["urgent"]
    before = cells(hospital_grid(hospital, LATER))
    inspect(date(2024, 5, 1), {urgent: ALL_GOOD, None: ALL_GOOD}, draft=True)
    # A draft that already has its publication date entered does not count either.
    draft = create_inspection(
        trust, hospital=hospital, inspection_type="focused", published_on=date(2024, 6, 1)
    )
    record_ratings(draft, [CellInput("Overall", "Outstanding")])
    assert cells(hospital_grid(hospital, LATER)) == before


def test_an_internal_inspection_stays_out_of_the_official_grid(hospital, departments, inspect):
    made = departments("urgent", "surgery")
    inspect(D2019, {made["urgent"]: ALL_RI, None: ALL_RI})
    inspect(date(2021, 3, 1), {made["urgent"]: row("G", "-", "-", "-", "-", "G"), made["surgery"]: ALL_GOOD}, source="mock")
    inspect(date(2021, 9, 1), {None: row("-", "-", "-", "-", "O", "-")}, source="peer_review")

    official = hospital_grid(hospital, LATER)
    assert official.official is True
    assert cells(official) == {
        **{("urgent", kq): ("Requires improvement", D2019) for kq in KEY_QUESTIONS},
        **{(None, kq): ("Requires improvement", D2019) for kq in KEY_QUESTIONS},
    }

    internal = hospital_grid(hospital, LATER, official=False)
    assert internal.official is False
    assert cells(internal) == {
        ("urgent", "Safe"): ("Good", date(2021, 3, 1)),
        ("urgent", "Overall"): ("Good", date(2021, 3, 1)),
        **{("surgery", kq): ("Good", date(2021, 3, 1)) for kq in KEY_QUESTIONS},
        (None, "Well-led"): ("Outstanding", date(2021, 9, 1)),
    }
    # Internal cells are compared with internal history only: nothing earlier to trend against.
    assert {c.change.kind for r in internal.rows for c in r.cells if c} == {"new"}


def test_a_mock_rating_of_a_successor_does_not_retire_the_official_row(hospital, departments, inspect):
    made = departments("outpatients", "npioutpatients")
    inspect(D2015, {made["outpatients"]: ALL_RI})
    inspect(date(2018, 6, 1), {made["npioutpatients"]: ALL_GOOD}, source="mock")
    assert services(hospital_grid(hospital, LATER)) == ["outpatients"]


@pytest.mark.parametrize(
    ("later", "effective"),
    [
        ("IBNR", ("Good", D2019)),  # a later non-rating never displaces a rating
        ("Insufficient evidence to rate", ("Good", D2019)),
        ("I", ("Inadequate", D2022)),
    ],
)
def test_a_later_non_rating_does_not_displace_a_rating(hospital, departments, inspect, later, effective):
    urgent = departments("urgent")["urgent"]
    inspect(D2019, {urgent: row("G", "G", "-", "-", "-", "-")})
    inspect(D2022, {urgent: row("-", later, "IBNR", "-", "-", "-")})
    grid = cells(hospital_grid(hospital, LATER))
    assert grid[("urgent", "Effective")] == effective
    # A non-rating shows while the cell has no rating at all.
    assert grid[("urgent", "Caring")] == ("Inspected but not rated", D2022)


# -- Renamed and retired services ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successors_rated", "expected_rows"),
    [
        (("npioutpatients", "diagnostic"), ["npioutpatients", "diagnostic", None]),
        (("diagnostic",), ["diagnostic", None]),  # the first successor rated is enough
    ],
)
def test_a_renamed_service_leaves_when_a_successor_is_first_rated(
    hospital, departments, inspect, successors_rated, expected_rows
):
    made = departments("outpatients", "npioutpatients", "diagnostic")
    inspect(D2015, {made["outpatients"]: ALL_RI, None: ALL_RI})
    inspect(D2019, {**{made[s]: ALL_GOOD for s in successors_rated}, None: ALL_GOOD})

    assert services(hospital_grid(hospital, LATER)) == expected_rows
    assert services(hospital_grid(hospital, D2019)) == expected_rows
    # In an earlier as-of view the old service is still there, with its own ratings.
    earlier = hospital_grid(hospital, date(2019, 1, 31))
    assert services(earlier) == ["outpatients", None]
    assert cells(earlier)[("outpatients", "Overall")] == ("Requires improvement", D2015)


def test_a_renamed_service_stays_while_no_successor_is_rated(hospital, departments, inspect):
    made = departments("outpatients", "npioutpatients", "diagnostic", "urgent")
    inspect(D2015, {made["outpatients"]: ALL_RI})
    inspect(D2019, {made["urgent"]: ALL_GOOD})
    assert services(hospital_grid(hospital, LATER)) == ["urgent", "outpatients"]


def test_a_retired_department_leaves_from_its_retirement_date(hospital, departments, inspect):
    made = departments("urgent", "surgery")
    inspect(D2019, {made["urgent"]: ALL_GOOD, made["surgery"]: ALL_GOOD})
    retire_department(made["surgery"], date(2020, 6, 1))
    assert services(hospital_grid(hospital, date(2020, 5, 31))) == ["urgent", "surgery"]
    assert services(hospital_grid(hospital, date(2020, 6, 1))) == ["urgent"]
    assert services(hospital_grid(hospital, LATER)) == ["urgent"]


def test_a_retirement_before_a_successors_rating_ends_the_row_first(hospital, departments, inspect):
    made = departments("maternity", "npimaternity")
    inspect(D2015, {made["maternity"]: ALL_RI})
    retire_department(made["maternity"], date(2018, 1, 1))
    inspect(D2022, {made["npimaternity"]: row("RI", "-", "-", "-", "RI", "RI")})
    assert services(hospital_grid(hospital, date(2017, 12, 31))) == ["maternity"]
    assert services(hospital_grid(hospital, date(2020, 1, 1))) == []
    assert services(hospital_grid(hospital, LATER)) == ["npimaternity"]


# -- Illustrative cells and the JSON shape ---------------------------------------------------------


def test_illustrative_flags_follow_the_cell_that_is_current(hospital, departments, inspect):
    urgent = departments("urgent")["urgent"]
    inspect(D2019, {urgent: row("G", "G", "-", "-", "-", "-")}, illustrative=((urgent, "Safe"),))
    inspect(D2022, {urgent: row("RI", "-", "-", "-", "-", "-")})

    def flags(as_of: date) -> dict[str, bool]:
        grid = hospital_grid(hospital, as_of)
        (only,) = grid.rows
        return {c.key_question: grid.is_illustrative(only, c) for c in only.cells if c}

    assert flags(date(2020, 1, 1)) == {"Safe": True, "Effective": False}
    # The 2022 report re-rated Safe from the public record: no longer illustrative.
    assert flags(LATER) == {"Safe": False, "Effective": False}


def test_as_json_has_exactly_the_documented_shape(hospital, departments, inspect):
    urgent = departments("urgent")["urgent"]
    inspect(D2019, {urgent: row("G", "-", "-", "-", "-", "RI"), None: row("-", "-", "-", "-", "-", "RI")})
    result = hospital_grid(hospital, date(2020, 1, 1)).as_json()
    assert result == {
        "hospital": "R1HKH",
        "as_of": "2020-01-01",
        "cells": [
            {"service": "urgent", "key_question": "Safe", "rating": "Good", "date": "2019-02-01"},
            {"service": "urgent", "key_question": "Overall", "rating": "Requires improvement", "date": "2019-02-01"},
            {"service": None, "key_question": "Overall", "rating": "Requires improvement", "date": "2019-02-01"},
        ],
    }
    assert json.loads(json.dumps(result)) == result


# -- Several hospitals -------------------------------------------------------------------------------


def test_overall_ratings_of_several_hospitals_in_one_query(trust, hospital, inspect):
    royal_london = create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital")
    mile_end = create_hospital(trust, ods_code="R1H13", name="Mile End Hospital")
    newham = create_hospital(trust, ods_code="R1HNH", name="Newham University Hospital")
    inspect(D2015, {None: row("I", "-", "-", "-", "-", "I")})
    inspect(D2019, {None: row("RI", "-", "-", "-", "-", "RI")})
    inspect(date(2016, 12, 16), {None: ALL_GOOD}, of=royal_london)
    inspect(D2019, {None: row("-", "-", "-", "-", "-", "O")}, of=royal_london, source="mock")
    inspect(D2019, {None: row("G", "-", "-", "-", "-", "-")}, of=mile_end)  # no Overall cell
    db.session.commit()
    ids = [h.id for h in (hospital, royal_london, mile_end, newham)]

    with statements(selects_only=True) as seen:
        current = overall_ratings(ids, LATER)
    assert len(seen) == 1
    assert {h: (c.rating, c.published_on) for h, c in current.items()} == {
        hospital.id: ("Requires improvement", D2019),
        royal_london.id: ("Good", date(2016, 12, 16)),
    }
    earlier = overall_ratings(ids, date(2016, 1, 1))
    assert {h: (c.rating, c.published_on) for h, c in earlier.items()} == {
        hospital.id: ("Inadequate", D2015),
    }
    assert overall_ratings([], LATER) == {}


def test_hospital_grid_reads_a_few_queries_however_many_inspections(hospital, departments, inspect):
    made = departments("urgent", "surgery", "outpatients", "npioutpatients", "diagnostic")
    inspect(D2015, {made["urgent"]: ALL_RI, made["outpatients"]: ALL_RI, None: ALL_RI})
    db.session.commit()
    hospital.id  # noqa: B018  (reload the expired hospital outside the count)
    with statements(selects_only=True) as seen:
        hospital_grid(hospital, LATER)
    few = len(seen)

    for year in range(2016, 2024):
        inspect(date(year, 6, 1), {made["urgent"]: ALL_GOOD, made["surgery"]: ALL_RI, None: ALL_GOOD})
    inspect(date(2018, 7, 1), {made["npioutpatients"]: ALL_GOOD, made["diagnostic"]: ALL_GOOD})
    db.session.commit()
    hospital.id  # noqa: B018
    with statements(selects_only=True) as seen:
        grid = hospital_grid(hospital, LATER)

    assert few <= 3  # the cells, the departments, their successors
    assert len(seen) == few
    assert services(grid) == ["urgent", "surgery", "npioutpatients", "diagnostic", None]
