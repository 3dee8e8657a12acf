"""Template helpers: how dates and ratings read on a page, shared by every area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

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


def register(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_filter(date_time)
    app.add_template_filter(kind_label)
    app.add_template_global(rating_class)
    app.add_template_global(is_rating)
    app.add_template_global(GRID_COLUMNS, "GRID_COLUMNS")
    app.add_template_global(RATINGS, "RATINGS")
    app.add_template_global(navigation_items)
    app.add_template_global(role_name)


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool


# (label, endpoint, permission): the header's links, each shown only to roles that may use it.
NAVIGATION = (
    ("Hospitals", "organisations.home", "read"),
    ("Audit log", "audit.log", "view_audit"),
    ("Users", "auth.users", "manage_users"),
)


def navigation_items() -> list[NavItem]:
    items = []
    for text, endpoint, permission in NAVIGATION:
        if endpoint in current_app.view_functions and current_user.can(permission):
            current = request.endpoint == endpoint
            items.append(NavItem(text, url_for(endpoint), current))
    return items
