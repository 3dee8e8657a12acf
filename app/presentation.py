"""Template helpers: how dates and ratings read on a page, shared by every area."""

from __future__ import annotations

from datetime import date

from flask import Flask

from app.domain.ratings import GRID_COLUMNS, RATINGS, is_rating

_RATING_CLASSES = {
    "Outstanding": "outstanding",
    "Good": "good",
    "Requires improvement": "requires-improvement",
    "Inadequate": "inadequate",
}


def rating_class(value: str | None) -> str:
    """CSS modifier for a rating; every non-rating shares the grey 'no rating' look."""
    if value is None:
        return "ql-rating--none"
    return "ql-rating--" + _RATING_CLASSES.get(value, "not-rated")


def long_date(value: date | None) -> str:
    """'17 March 2015', the NHS.UK style for dates."""
    return f"{value.day} {value:%B %Y}" if value else ""


def short_date(value: date | None) -> str:
    return f"{value:%b %Y}" if value else ""


def register(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_global(rating_class)
    app.add_template_global(is_rating)
    app.add_template_global(GRID_COLUMNS, "GRID_COLUMNS")
    app.add_template_global(RATINGS, "RATINGS")
