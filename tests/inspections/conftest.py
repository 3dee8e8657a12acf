"""Factories for inspection tests, built on the services so test data obeys the real rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path

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


# -- Running the app's scripts in Chromium, on a page that needs no server -------------------------

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


@pytest.fixture
def static_page(browser) -> Iterator[Callable[..., tuple]]:  # type: ignore[no-untyped-def]
    """static_page({path: html}) -> (context, page, errors): a page in the session's Chromium on
    a made-up origin, http://ql.test, that serves app/static and the given HTML paths and
    nothing else; `errors` collects the page's script errors. Contexts close after the test."""
    contexts = []

    def open_page(pages: Mapping[str, str]) -> tuple:  # type: ignore[type-arg]
        context = browser.new_context()
        contexts.append(context)
        errors: list[str] = []

        def serve(route) -> None:  # type: ignore[no-untyped-def]
            path = route.request.url.split("http://ql.test", 1)[1].split("?", 1)[0]
            local = STATIC / path[len("/static/"):] if path.startswith("/static/") else None
            if path in pages:
                route.fulfill(status=200, content_type="text/html", body=pages[path])
            elif local is not None and local.is_file():
                kind = CONTENT_TYPES.get(local.suffix, "application/octet-stream")
                route.fulfill(status=200, content_type=kind, body=local.read_bytes())
            else:
                route.fulfill(status=404, body="")

        context.route("**/*", serve)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return context, page, errors

    yield open_page
    for context in contexts:
        context.close()
