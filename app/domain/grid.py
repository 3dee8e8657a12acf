"""The ratings grid "as of" a date: per cell, the most recent published rating.

DOMAIN.md "The ratings grid": current ratings are per cell, not per inspection; a later non-rating
never displaces an earlier rating; a superseded or retired row leaves the grid from its end date or
from the first published rating of a successor, whichever comes first. Official and internal
(mock inspection) ratings are never mixed.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from app.domain.changes import Change, compare
from app.domain.ratings import GRID_COLUMNS, is_rating, parse_key_question, parse_rating


@dataclass(frozen=True)
class RatedCell:
    """One published value (rating or non-rating) of one cell, as given by one report.

    The row is an opaque key chosen by the caller, e.g. ("department", 12). Key question and
    rating are stored in their canonical spelling; unknown values raise ValueError.
    """

    row: Hashable
    key_question: str
    rating: str
    published_on: date
    report_id: Hashable
    official: bool = True

    def __post_init__(self) -> None:
        # Canonical spellings let cells from the import and from forms compare equal.
        object.__setattr__(self, "key_question", parse_key_question(self.key_question))
        object.__setattr__(self, "rating", parse_rating(self.rating))


@dataclass(frozen=True)
class RowLifetime:
    """When a row stops being current: its own retirement date and/or the rows that replace it."""

    row: Hashable
    retired_on: date | None = None
    successors: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class GridCell:
    """A cell of the current grid, with the previous rating of the same cell and the trend."""

    row: Hashable
    key_question: str
    rating: str
    published_on: date
    report_id: Hashable
    previous: RatedCell | None
    change: Change


def _report_order(report_id: Hashable) -> tuple[int, int, str]:
    # Ids are opaque, so compare them as text; whole-number ids (database keys) compare as
    # numbers, so that report 10 counts as later than report 9.
    if isinstance(report_id, int) and not isinstance(report_id, bool):
        return (0, report_id, "")
    return (1, 0, str(report_id))


def _order(cell: RatedCell) -> tuple[date, bool, tuple[int, int, str], str]:
    # Same-day ties: a rating beats a non-rating, then the larger report id, then the rating
    # text, so the result never depends on input order.
    return (cell.published_on, is_rating(cell.rating), _report_order(cell.report_id), cell.rating)


def _first_published(cells: Iterable[RatedCell]) -> dict[Hashable, date]:
    first: dict[Hashable, date] = {}
    for cell in cells:
        if cell.row not in first or cell.published_on < first[cell.row]:
            first[cell.row] = cell.published_on
    return first


def _descendants(row: Hashable, lifetimes: Mapping[Hashable, RowLifetime]) -> list[Hashable]:
    # Followed transitively: if a successor was itself replaced before it was ever rated, the
    # first rating of its own successor still ends the original row.
    found: list[Hashable] = []
    pending = list(lifetimes[row].successors) if row in lifetimes else []
    while pending:
        successor = pending.pop(0)
        if successor == row or successor in found:
            continue
        found.append(successor)
        if successor in lifetimes:
            pending.extend(lifetimes[successor].successors)
    return found


def _end_date(
    row: Hashable,
    lifetimes: Mapping[Hashable, RowLifetime],
    first_published: Mapping[Hashable, date],
) -> date | None:
    lifetime = lifetimes.get(row)
    if lifetime is None:
        return None
    candidates = [lifetime.retired_on] if lifetime.retired_on is not None else []
    candidates += [
        first_published[successor]
        for successor in _descendants(row, lifetimes)
        if successor in first_published
    ]
    return min(candidates, default=None)


def row_end_date(
    row: Hashable,
    lifetimes: Mapping[Hashable, RowLifetime],
    cells: Iterable[RatedCell],
    *,
    official: bool = True,
) -> date | None:
    """The date a row leaves the current grid, or None while it has no end.

    The earlier of the row's retired_on and the first published_on of any cell (rating or
    non-rating) of a successor row, successors followed transitively (DOMAIN.md "The ratings
    grid": "from its end date or from the first published rating of a successor, whichever
    comes first"). Only cells of the given stream count: a mock inspection of a successor does
    not retire an official row.
    """
    return _end_date(row, lifetimes, _first_published(c for c in cells if c.official == official))


def _current(history: list[RatedCell]) -> RatedCell:
    # A non-rating is current only while the cell has no rating at all (DOMAIN.md refinement 1).
    ratings = [cell for cell in history if is_rating(cell.rating)]
    return max(ratings or history, key=_order)


def _previous(history: list[RatedCell], current: RatedCell) -> RatedCell | None:
    earlier = [
        cell
        for cell in history
        if is_rating(cell.rating) and cell.published_on < current.published_on
    ]
    return max(earlier, key=_order, default=None)


def _predecessors(row: Hashable, lifetimes: Mapping[Hashable, RowLifetime]) -> list[Hashable]:
    """The rows this row replaces, directly or through other replacements (renamed services)."""
    return [other for other in lifetimes if other != row and row in _descendants(other, lifetimes)]


def previous_rating(
    histories: Mapping[tuple[Hashable, str], list[RatedCell]],
    lifetimes: Mapping[Hashable, RowLifetime],
    current: RatedCell,
) -> RatedCell | None:
    """The latest rating of the same cell before `current`'s date; when the row has none, the
    latest of the rows it replaced (a renamed service continues its predecessor's history, so
    its first rating is a change, not a "new rating")."""
    own = _previous(histories.get((current.row, current.key_question), []), current)
    if own is not None:
        return own
    earlier = [
        found
        for predecessor in _predecessors(current.row, lifetimes)
        if (found := _previous(histories.get((predecessor, current.key_question), []), current))
    ]
    return max(earlier, key=_order, default=None)


def current_grid(
    cells: Iterable[RatedCell],
    as_of: date,
    *,
    official: bool = True,
    lifetimes: Mapping[Hashable, RowLifetime] | None = None,
) -> dict[tuple[Hashable, str], GridCell]:
    """The grid as it stood on as_of, keyed by (row, key question); an absent cell has no key.

    Only cells of the requested stream (official or internal) published on or before as_of
    count. Per cell the most recent rating wins; a non-rating shows only while the cell has no
    rating; rows whose end date (from those same cells) is on or before as_of are left out.
    Each cell carries the latest rating of the same cell from an earlier date (or, for a row's
    first rating, of the rows it replaced) and the trend (DOMAIN.md "The ratings grid"). Rows keep first-seen order, columns GRID_COLUMNS order.
    """
    visible = [c for c in cells if c.official == official and c.published_on <= as_of]
    lifetimes = lifetimes or {}
    first_published = _first_published(visible)
    histories: dict[tuple[Hashable, str], list[RatedCell]] = {}
    for cell in visible:
        histories.setdefault((cell.row, cell.key_question), []).append(cell)

    grid: dict[tuple[Hashable, str], GridCell] = {}
    for row in dict.fromkeys(cell.row for cell in visible):
        end = _end_date(row, lifetimes, first_published)
        if end is not None and end <= as_of:
            continue
        for key_question in GRID_COLUMNS:
            history = histories.get((row, key_question))
            if not history:
                continue
            current = _current(history)
            previous = previous_rating(histories, lifetimes, current)
            grid[(row, key_question)] = GridCell(
                row=row,
                key_question=key_question,
                rating=current.rating,
                published_on=current.published_on,
                report_id=current.report_id,
                previous=previous,
                change=compare(previous.rating if previous else None, current.rating),
            )
    return grid


def cell_history(
    cells: Iterable[RatedCell], row: Hashable, key_question: str, *, official: bool = True
) -> tuple[RatedCell, ...]:
    """Every published value of one cell, oldest first, non-ratings and superseded rows included.

    Ties on a date are ordered as in current_grid, so the current value of a same-day tie is last.
    """
    key_question = parse_key_question(key_question)
    return tuple(
        sorted(
            (
                c
                for c in cells
                if c.official == official and c.row == row and c.key_question == key_question
            ),
            key=_order,
        )
    )


def median_age_days(grid: Mapping[tuple[Hashable, str], GridCell], as_of: date) -> float | None:
    """Median age in days of the grid's cells on as_of (None for an empty grid)."""
    ages = [(as_of - cell.published_on).days for cell in grid.values()]
    return float(statistics.median(ages)) if ages else None
