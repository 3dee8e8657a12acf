"""Reading an API request's query parameters: unknown ones, bad numbers and bad dates are
refused with a 400 that names the parameter and the problem; lists come a page at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from flask import request, url_for
from werkzeug.datastructures import MultiDict

from app.api.auth import ApiError
from app.forms_support import record_number

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
PAGING = ("page", "per_page")


def bad(errors: dict[str, str]) -> ApiError:
    first = next(iter(errors.values()))
    return ApiError(400, first, errors)


def args(allowed: Iterable[str]) -> MultiDict[str, str]:
    """The query parameters, after refusing any this endpoint does not take, or any given twice."""
    known = set(allowed)
    for name in request.args:
        if name not in known:
            takes = ", ".join(sorted(known)) or "no parameters"
            raise bad({name: f"{name} is not a parameter of this endpoint; it takes {takes}."})
        if len(request.args.getlist(name)) > 1:
            raise bad({name: f"{name} is given more than once; give it once."})
    return request.args


def whole_number(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    limit = f"from {low} to {high}" if high is not None else f"of {low} or more"
    number = record_number(raw)
    if number is None or number < low or (high is not None and number > high):
        raise bad({name: f"{name} must be a whole number {limit}; it was {raw[:40]!r}."})
    return number


def iso_date(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if raw == "":
        return None
    try:
        # Exactly YYYY-MM-DD: fromisoformat alone would also take 20160601 and 2016-W22-3.
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise bad({name: f"{name} must be a real date in the format YYYY-MM-DD, for example 2016-06-01; it was {raw!r}."})


def flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise bad({name: f"{name} must be 1 or 0 (true or false); it was {raw!r}."})


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging() -> Paging:
    return Paging(whole_number("page", 1, 1), whole_number("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE))


def page_of(items: list[dict[str, Any]], total: int, paged: Paging) -> dict[str, Any]:
    """The list envelope: the items, where we are, the total, and the next page's link."""
    following = None
    if paged.page * paged.per_page < total:
        query: dict[str, Any] = {k: v for k, v in request.args.items() if k not in PAGING}
        following = url_for(
            request.endpoint or "", **(request.view_args or {}), **query,
            page=paged.page + 1, per_page=paged.per_page,
        )
    return {"items": items, "page": paged.page, "per_page": paged.per_page, "total": total, "next": following}


def one_of(name: str, raw: str, choices: Mapping[str, Any] | Iterable[str]) -> None:
    if raw and raw not in choices:
        listed = ", ".join(sorted(choices))
        raise bad({name: f"{name} must be one of {listed}; it was {raw!r}."})


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def moment(value: datetime | None) -> str | None:
    """A stored moment in UTC as ISO 8601 with its offset (SQLite returns it without one)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
