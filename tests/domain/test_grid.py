"""The "current grid as of a date" rule, on an illustrative hospital with four reports."""

from datetime import date, timedelta

import pytest

from app.domain.grid import (
    GridCell,
    RatedCell,
    RowLifetime,
    cell_history,
    current_grid,
    median_age_days,
    row_end_date,
)
from app.domain.ratings import GRID_COLUMNS, UnknownRating

DAY = timedelta(days=1)
D1, D2, D3, D4 = date(2015, 3, 10), date(2016, 12, 6), date(2019, 3, 1), date(2022, 8, 20)
LATER = date(2024, 1, 1)
MOCK_DAY = date(2017, 6, 1)

URGENT, SURGERY = ('service', 'urgent'), ('service', 'surgery')
OUTPATIENTS, NPI, DIAG = ('service', 'outpatients'), ('service', 'npioutpatients'), \
    ('service', 'diagnostic')
MATERNITY, NPIMAT = ('service', 'maternity'), ('service', 'npimaternity')
HOSPITAL = ('hospital', 1)

O, G, RI, I = 'Outstanding', 'Good', 'Requires improvement', 'Inadequate'
IBNR, IETR = 'Inspected but not rated', 'Insufficient evidence to rate'


def _row(row, ratings, day, report, official=True):
    """Cells for the key questions given, in GRID_COLUMNS order (None = not in the report)."""
    return [RatedCell(row, kq, rating, day, report, official)
            for kq, rating in zip(GRID_COLUMNS, ratings) if rating is not None]


CELLS = (
    # r1, comprehensive
    _row(URGENT, (I, I, I, I, I, I), D1, 'r1')
    + _row(SURGERY, (I, RI, I, I, I, I), D1, 'r1')
    + _row(OUTPATIENTS, (I, IBNR, G, I, I, I), D1, 'r1')
    + _row(MATERNITY, (RI, RI, RI, RI, RI, RI), D1, 'r1')
    + _row(HOSPITAL, (I, RI, G, I, I, I), D1, 'r1')
    # r2, re-inspection: surgery only gets a later non-rating for Caring
    + _row(URGENT, (RI, RI, G, RI, RI, RI), D2, 'r2')
    + _row(SURGERY, (None, None, IETR, None, None, None), D2, 'r2')
    + _row(OUTPATIENTS, (RI, IBNR, G, RI, RI, RI), D2, 'r2')
    + _row(MATERNITY, (G, G, G, G, G, G), D2, 'r2')
    + _row(HOSPITAL, (RI, RI, RI, I, I, I), D2, 'r2')
    # r3: outpatients split in two; a focused look re-rates surgery Safe and Well-led only
    + _row(NPI, (G, IBNR, G, G, G, G), D3, 'r3')
    + _row(DIAG, (G, None, G, G, G, G), D3, 'r3')
    + _row(SURGERY, (RI, None, None, None, RI, None), D3, 'r3')
    + _row(HOSPITAL, (RI, G, G, RI, RI, RI), D3, 'r3')
    # r4: focused maternity inspection under the new service
    + _row(NPIMAT, (RI, None, None, None, RI, RI), D4, 'r4')
    # the trust's own mock inspection: internal, never folded into the official grid
    + _row(URGENT, (G, None, None, None, None, G), MOCK_DAY, 'mock', official=False)
    + _row(NPI, (G, None, None, None, None, None), MOCK_DAY, 'mock', official=False)
)
LIFETIMES = {
    OUTPATIENTS: RowLifetime(OUTPATIENTS, successors=(NPI, DIAG)),
    MATERNITY: RowLifetime(MATERNITY, successors=(NPIMAT,)),
}


def _grid(as_of, official=True, lifetimes=LIFETIMES, cells=CELLS):
    return current_grid(cells, as_of, official=official, lifetimes=lifetimes)


@pytest.mark.parametrize(('as_of', 'row', 'key_question', 'expected'), (
    (D1 - DAY, URGENT, 'Safe', None),                # the day before publication
    (D1, URGENT, 'Safe', (I, D1)),                   # effective from publication day
    (D2 - DAY, URGENT, 'Safe', (I, D1)),
    (D2, URGENT, 'Safe', (RI, D2)),
    (D2, URGENT, 'Caring', (G, D2)),
    (LATER, SURGERY, 'Safe', (RI, D3)),              # re-rated by the focused report
    (LATER, SURGERY, 'Well-led', (RI, D3)),
    (LATER, SURGERY, 'Effective', (RI, D1)),         # not re-rated: keeps its old date
    (LATER, SURGERY, 'Overall', (I, D1)),
    (LATER, SURGERY, 'Caring', (I, D1)),             # later non-rating does not displace it
    (D2, OUTPATIENTS, 'Effective', (IBNR, D2)),      # only non-ratings: the latest shows
    (D3 - DAY, OUTPATIENTS, 'Safe', (RI, D2)),       # before the successor's first rating
    (D3, OUTPATIENTS, 'Safe', None),                 # from then on, superseded
    (D3, NPI, 'Effective', (IBNR, D3)),              # non-rated cell: present
    (D3, DIAG, 'Effective', None),                   # absent cell: no key at all
    (D3, DIAG, 'Safe', (G, D3)),
    (D4 - DAY, MATERNITY, 'Safe', (G, D2)),
    (D4, MATERNITY, 'Safe', None),
    (D4, NPIMAT, 'Safe', (RI, D4)),
    (D4, NPIMAT, 'Caring', None),                    # focused report gave only three cells
    (D4, HOSPITAL, 'Overall', (RI, D3)),
    (D3 - DAY, HOSPITAL, 'Responsive', (I, D2)),
))
def test_current_grid_cell(as_of, row, key_question, expected):
    cell = _grid(as_of).get((row, key_question))
    assert (cell and (cell.rating, cell.published_on)) == expected


def test_grid_mixes_four_report_dates():
    grid = _grid(LATER)
    assert {cell.published_on for cell in grid.values()} == {D1, D2, D3, D4}
    assert {row for row, _ in grid} == {URGENT, SURGERY, NPI, DIAG, NPIMAT, HOSPITAL}


def test_focused_report_re_rates_two_cells_and_the_rest_keep_their_dates():
    grid = _grid(D3)
    assert {kq: (grid[(SURGERY, kq)].rating, grid[(SURGERY, kq)].published_on)
            for kq in GRID_COLUMNS} == {
        'Safe': (RI, D3), 'Effective': (RI, D1), 'Caring': (I, D1),
        'Responsive': (I, D1), 'Well-led': (RI, D3), 'Overall': (I, D1),
    }


def test_absent_cell_differs_from_non_rated_cell():
    grid = _grid(D3)
    assert (DIAG, 'Effective') not in grid
    non_rated = grid[(NPI, 'Effective')]
    assert (non_rated.rating, non_rated.change.kind, non_rated.previous) == (IBNR, 'none', None)


@pytest.mark.parametrize(('as_of', 'row', 'key_question', 'previous', 'kind', 'steps'), (
    (D1, URGENT, 'Safe', None, 'new', 0),
    (D2, URGENT, 'Safe', I, 'up', 1),
    (D2, URGENT, 'Caring', I, 'up', 2),
    (D2, HOSPITAL, 'Caring', G, 'down', 1),
    (D2, HOSPITAL, 'Effective', RI, 'same', 0),
    (D3, HOSPITAL, 'Caring', RI, 'up', 1),           # previous = latest earlier, not the first
    (D3, SURGERY, 'Safe', I, 'up', 1),
    (D3, SURGERY, 'Caring', None, 'new', 0),
    (D3, NPI, 'Safe', RI, 'up', 1),                  # a successor continues its predecessor's
    (D4, NPIMAT, 'Safe', G, 'down', 1),              # history (a split and a rename)
    (D4, NPIMAT, 'Overall', G, 'down', 1),
    (D3, NPI, 'Effective', None, 'none', 0),         # a non-rating has no trend
))
def test_previous_rating_and_trend(as_of, row, key_question, previous, kind, steps):
    cell = _grid(as_of)[(row, key_question)]
    assert (cell.previous and cell.previous.rating, cell.change.kind, cell.change.steps) == \
        (previous, kind, steps)


@pytest.mark.parametrize(('official', 'as_of', 'key', 'expected'), (
    (True, MOCK_DAY, (URGENT, 'Safe'), (RI, D2)),
    (False, MOCK_DAY, (URGENT, 'Safe'), (G, MOCK_DAY)),
    (False, MOCK_DAY - DAY, (URGENT, 'Safe'), None),
    (False, LATER, (HOSPITAL, 'Overall'), None),     # no official cell leaks in
    (True, LATER, (OUTPATIENTS, 'Safe'), None),
    (True, D3 - DAY, (OUTPATIENTS, 'Safe'), (RI, D2)),  # a mock rating of npioutpatients
))                                                       # does not retire the official row
def test_internal_and_official_are_kept_apart(official, as_of, key, expected):
    cell = _grid(as_of, official=official).get(key)
    assert (cell and (cell.rating, cell.published_on)) == expected


@pytest.mark.parametrize(('cells', 'expected'), (
    ((RatedCell('r', 'Safe', IETR, D1, 'b'), RatedCell('r', 'Safe', G, D1, 'a')), (G, 'a')),
    ((RatedCell('r', 'Safe', G, D1, 'a'), RatedCell('r', 'Safe', RI, D1, 'b')), (RI, 'b')),
    ((RatedCell('r', 'Safe', RI, D1, 'b'), RatedCell('r', 'Safe', G, D1, 'a')), (RI, 'b')),
    ((RatedCell('r', 'Safe', G, D1, 10), RatedCell('r', 'Safe', RI, D1, 9)), (G, 10)),
    ((RatedCell('r', 'Safe', G, D1, '10'), RatedCell('r', 'Safe', RI, D1, '9')), (RI, '9')),
))
def test_same_day_ties_are_deterministic(cells, expected):
    cell = current_grid(cells, D1)[('r', 'Safe')]
    assert (cell.rating, cell.report_id) == expected


@pytest.mark.parametrize(('lifetimes', 'cells', 'row', 'expected'), (
    (LIFETIMES, CELLS, OUTPATIENTS, D3),
    (LIFETIMES, CELLS, MATERNITY, D4),
    (LIFETIMES, CELLS, URGENT, None),
    (LIFETIMES, [c for c in CELLS if c.published_on <= D2], OUTPATIENTS, None),
    ({MATERNITY: RowLifetime(MATERNITY, date(2021, 1, 1), (NPIMAT,))}, CELLS, MATERNITY,
     date(2021, 1, 1)),                              # retirement comes first
    ({MATERNITY: RowLifetime(MATERNITY, date(2023, 1, 1), (NPIMAT,))}, CELLS, MATERNITY, D4),
    ({'a': RowLifetime('a', successors=('b',)), 'b': RowLifetime('b', successors=('c',))},
     [RatedCell('c', 'Safe', IBNR, D2, 'x')], 'a', D2),  # via an unrated successor
))
def test_row_end_date(lifetimes, cells, row, expected):
    assert row_end_date(row, lifetimes, cells) == expected


def test_row_end_date_counts_only_the_requested_stream():
    # the mock inspection rated npioutpatients in 2017, two years before CQC did
    assert row_end_date(OUTPATIENTS, LIFETIMES, CELLS, official=False) == MOCK_DAY
    assert row_end_date(OUTPATIENTS, LIFETIMES, CELLS) == D3


@pytest.mark.parametrize(('as_of', 'present'), (
    (date(2017, 12, 31), True),
    (date(2018, 1, 1), False),
    (LATER, False),
))
def test_retired_department_leaves_the_grid_on_its_retirement_date(as_of, present):
    lifetimes = {**LIFETIMES, URGENT: RowLifetime(URGENT, retired_on=date(2018, 1, 1))}
    assert ((URGENT, 'Safe') in _grid(as_of, lifetimes=lifetimes)) is present


def test_history_keeps_superseded_rows_and_non_ratings():
    assert [(c.rating, c.published_on) for c in cell_history(CELLS, OUTPATIENTS, 'safe')] == \
        [(I, D1), (RI, D2)]
    assert [(c.rating, c.published_on) for c in cell_history(CELLS, SURGERY, 'Caring')] == \
        [(I, D1), (IETR, D2)]
    assert [c.report_id for c in cell_history(CELLS, URGENT, 'Safe', official=False)] == ['mock']


def test_rated_cell_stores_canonical_spellings():
    cell = RatedCell('r', 'well led', 'requires_improvement', D1, 'a')
    assert (cell.key_question, cell.rating) == ('Well-led', RI)
    with pytest.raises(UnknownRating):
        RatedCell('r', 'Safe', 'Excellent', D1, 'a')


@pytest.mark.parametrize(('days_old', 'expected'), (
    ((), None),
    ((10,), 10.0),
    ((10, 20), 15.0),
    ((0, 5, 400), 5.0),
))
def test_median_age_days(days_old, expected):
    as_of = date(2020, 1, 1)
    cells = [RatedCell(('row', n), 'Safe', G, as_of - timedelta(days=age), 'a')
             for n, age in enumerate(days_old)]
    grid = current_grid(cells, as_of)
    assert all(isinstance(cell, GridCell) for cell in grid.values())
    assert median_age_days(grid, as_of) == expected
