"""Template helpers: how dates and ratings read on a page, shared by every area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from app.audit.log import kind_label
from app.domain.access import ROLES
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


def role_name(role: str) -> str:
    return ROLES.get(role, role)


def long_date(value: date | None) -> str:
    """'17 March 2015', the NHS.UK style for dates."""
    return f"{value.day} {value:%B %Y}" if value else ""


def date_time(value: datetime | None) -> str:
    """'17 March 2015 at 14:05 UTC': moments are stored in UTC and shown so."""
    if value is None:
        return ""
    value = value.astimezone(timezone.utc) if value.tzinfo else value
    return f"{value.day} {value:%B %Y} at {value:%H:%M} UTC"


def short_date(value: date | None) -> str:
    return f"{value:%b %Y}" if value else ""


def age_in_words(days: float | None) -> str:
    """An age in days as people say it: '3 years 10 months', '1 year', '5 months', 'less than
    a month' (whole months of 30.4375 days; the extra day keeps 365 days a year, not 11 months)."""
    if days is None:
        return ""
    years, months = divmod(int((days + 1) // 30.4375), 12)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((years, "year"), (months, "month")) if n]
    return " ".join(parts) or "less than a month"


@dataclass(frozen=True)
class WhatChanged:
    grid: Any  # app.inspections.grids.HospitalGrid: the cells the inspection gave, with changes
    counts: dict[str, int]  # change kind -> number of cells


def what_changed(inspection: Any) -> WhatChanged | None:
    """For the inspection page: the cells a published inspection gave, each against the cell's
    previous rating of the same stream (None for a draft, which has no publication date).
    Called from the inspection page's template, so that the block stays apart from the rest
    of the page."""
    from app.inspections.changes import change_counts, inspection_grid

    if inspection.status != "published" or inspection.published_on is None:
        return None
    grid = inspection_grid(inspection)
    return WhatChanged(grid, change_counts(grid))


def page_numbers(current: int, last: int) -> list[int | None]:
    """The page links to show: the first, the last, and the current one with its neighbours;
    None where pages are skipped (an ellipsis)."""
    shown = sorted({1, last, *range(max(1, current - 1), min(last, current + 1) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def register(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_filter(date_time)
    app.add_template_filter(age_in_words)
    app.add_template_filter(kind_label)
    app.add_template_global(rating_class)
    app.add_template_global(is_rating)
    app.add_template_global(GRID_COLUMNS, "GRID_COLUMNS")
    app.add_template_global(RATINGS, "RATINGS")
    app.add_template_global(navigation_items)
    app.add_template_global(what_changed)
    app.add_template_global(role_name)
    app.add_template_global(page_numbers)


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool


# (label, endpoint, permission): the header's links, each shown only to roles that may use it.
NAVIGATION = (
    ("Hospitals", "organisations.home", "read"),
    ("Inspections", "inspections.inspection_list", "read"),
    ("Actions", "actions.board", "read"),
    ("My actions", "actions.my_actions", "update_actions"),
    ("Board packs", "boardpacks.choose", "download_board_packs"),
    ("Audit log", "audit.log", "view_audit"),
    ("Imports", "imports.upload_form", "import_data"),
    ("Exports", "exports.index", "export_data"),
    ("Users", "auth.users", "manage_users"),
    ("API tokens", "api.tokens", "manage_api_tokens"),
)


def navigation_items() -> list[NavItem]:
    items = []
    for text, endpoint, permission in NAVIGATION:
        if endpoint in current_app.view_functions and current_user.can(permission):
            current = request.endpoint == endpoint
            items.append(NavItem(text, url_for(endpoint), current))
    return items
