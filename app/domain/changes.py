"""Trend of one grid cell against its previous rating, as CQC's printed reports show it.

DOMAIN.md "The ratings grid": reports show a trend arrow against the previous rating of the same
cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.ratings import is_rating, parse_rating, rank

NEW = "new"
UP = "up"
DOWN = "down"
SAME = "same"
NONE = "none"

_ARROWS = {UP: "▲", DOWN: "▼", SAME: "▶"}


@dataclass(frozen=True)
class Change:
    """How a cell moved: kind is new, up, down, same or none; steps counts rating levels moved."""

    kind: str
    steps: int = 0

    @property
    def arrow(self) -> str:
        """▲ improved, ▼ declined, ▶ unchanged, empty for new ratings and non-ratings."""
        return _ARROWS.get(self.kind, "")

    @property
    def label(self) -> str:
        """Words for the arrow, so the trend never relies on the symbol alone."""
        if self.kind == UP:
            return f"Improved by {self.steps}"
        if self.kind == DOWN:
            return f"Declined by {self.steps}"
        if self.kind == SAME:
            return "No change"
        if self.kind == NEW:
            return "New rating"
        return ""


def compare(previous: str | None, current: str) -> Change:
    """The change from the previous rating of a cell to its current value.

    A current non-rating gives "none" (nothing to compare); no previous rating, or a previous
    non-rating, gives "new"; otherwise up/down by the number of levels moved, or "same".
    Raises UnknownRating for values not on the scale.
    """
    current = parse_rating(current)
    if not is_rating(current):
        return Change(NONE)
    if previous is None or not is_rating(parse_rating(previous)):
        return Change(NEW)
    # rank 0 is Outstanding, so a fall in rank is an improvement.
    delta = rank(previous) - rank(current)
    if delta > 0:
        return Change(UP, delta)
    if delta < 0:
        return Change(DOWN, -delta)
    return Change(SAME)
