"""The CQC rating scale and the five key questions, with forgiving parsers.

DOMAIN.md "Ratings": four ratings spelled exactly, non-ratings kept distinct from an absent cell,
one canonical spelling stored, other casing accepted on input; key questions matched by name.
"""

from __future__ import annotations

import re

RATINGS: tuple[str, ...] = ("Outstanding", "Good", "Requires improvement", "Inadequate")
NON_RATINGS: tuple[str, ...] = (
    "Inspected but not rated",
    "Insufficient evidence to rate",
    "No published rating",
    "Not rated",
    "Rating under appeal",
    "Rating suspended",
)
ALL_VALUES: tuple[str, ...] = RATINGS + NON_RATINGS

KEY_QUESTIONS: tuple[str, ...] = ("Safe", "Effective", "Caring", "Responsive", "Well-led")
OVERALL = "Overall"
GRID_COLUMNS: tuple[str, ...] = KEY_QUESTIONS + (OVERALL,)

_SEPARATORS = re.compile(r"[\s_\-]+")


def _key(text: str) -> str:
    # Underscores, hyphens and runs of whitespace all count as one space, so that
    # "requires_improvement", "Well-Led" and "well  led" meet their canonical forms.
    return _SEPARATORS.sub(" ", text).strip().casefold()


_RATING_BY_KEY: dict[str, str] = {_key(value): value for value in ALL_VALUES}
_KEY_QUESTION_BY_KEY: dict[str, str] = {_key(value): value for value in GRID_COLUMNS}


class UnknownRating(ValueError):
    """A value that is neither one of the four ratings nor a known non-rating."""

    def __init__(self, value: object) -> None:
        self.value = value
        accepted = ", ".join(repr(v) for v in ALL_VALUES)
        super().__init__(f"Unknown rating {value!r}; accepted values are {accepted}")


class UnknownKeyQuestion(ValueError):
    """A value that is not one of the five key questions or Overall."""

    def __init__(self, value: object) -> None:
        self.value = value
        accepted = ", ".join(repr(v) for v in GRID_COLUMNS)
        super().__init__(f"Unknown key question {value!r}; accepted values are {accepted}")


def parse_rating(text: str) -> str:
    """Return the canonical spelling of a rating or non-rating (DOMAIN.md "Ratings").

    Casing, surrounding or repeated whitespace, underscores and hyphens are forgiven; anything
    not on the scale raises UnknownRating.
    """
    if not isinstance(text, str):
        raise UnknownRating(text)
    try:
        return _RATING_BY_KEY[_key(text)]
    except KeyError:
        raise UnknownRating(text) from None


def is_rating(value: str) -> bool:
    """True only for the four ratings, in any accepted spelling; False for non-ratings and junk."""
    try:
        return parse_rating(value) in RATINGS
    except UnknownRating:
        return False


def rank(value: str) -> int:
    """Position on the scale: 0 Outstanding, 1 Good, 2 Requires improvement, 3 Inadequate.

    Raises ValueError (UnknownRating for junk) when the value is not one of the four ratings.
    """
    canonical = parse_rating(value)
    if canonical not in RATINGS:
        raise ValueError(f"{canonical!r} is a non-rating and has no rank")
    return RATINGS.index(canonical)


def parse_key_question(text: str) -> str:
    """Return the canonical key question name, or Overall (DOMAIN.md: match by name, not order).

    Accepts e.g. "well led", "WELL-LED", "Well-Led", "overall"; raises UnknownKeyQuestion
    otherwise.
    """
    if not isinstance(text, str):
        raise UnknownKeyQuestion(text)
    try:
        return _KEY_QUESTION_BY_KEY[_key(text)]
    except KeyError:
        raise UnknownKeyQuestion(text) from None
