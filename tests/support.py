"""Small helpers the tests share (import them: `from tests.support import page_text`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from html.parser import HTMLParser

from sqlalchemy import event, select

from app.actions.models import Action
from app.extensions import db
from app.organisations.models import Department, Hospital

# Transaction control and connection set-up: not queries of the page being measured.
_CONTROL = ("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


@contextmanager
def statements(*, selects_only: bool = False) -> Iterator[list[str]]:
    """The SQL statements the block sends to the database (transaction control left out; only
    the SELECTs with `selects_only`), for tests that a page's or a build's cost does not grow."""
    seen: list[str] = []

    def capture(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        head = statement.lstrip().upper()
        if not head.startswith(_CONTROL) and (not selects_only or head.startswith("SELECT")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def page_text(html: str) -> str:
    """A page's text as a reader meets it: tags dropped, entities decoded, spaces folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class _TableRows(HTMLParser):
    """The rows of every table matching `id` or `css_class` (and of tables nested in one), as
    lists of cell texts; `body_only` keeps only the rows inside <tbody>."""

    def __init__(self, id: str | None, css_class: str | None, body_only: bool, between: str):
        super().__init__()
        self.wanted_id, self.wanted_class, self.body_only = id, css_class, body_only
        self.between = between
        self.depth = 0
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def _matches(self, attrs: dict[str, str | None]) -> bool:
        if self.wanted_id is not None:
            return attrs.get("id") == self.wanted_id
        return self.wanted_class in (attrs.get("class") or "").split()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or self._matches(dict(attrs))):
            self.depth += 1
        elif not self.depth:
            return
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and (self.in_body or not self.body_only):
            self.rows.append([])
        elif tag in ("td", "th") and self.rows and self.cell is None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.between.join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(
    html: str,
    *,
    id: str | None = None,
    css_class: str | None = None,
    body_only: bool = False,
    between: str = "",
) -> list[list[str]]:
    """The non-empty rows of a page's table found by id (or of its tables found by class) as
    lists of cell texts, each cell's text with its spaces folded; `between` goes between the
    texts of a cell's elements (" " to keep a visually hidden label apart from its value)."""
    assert (id is None) != (css_class is None), "find the table by id or by class"
    parser = _TableRows(id, css_class, body_only, between)
    parser.feed(html)
    return [row for row in parser.rows if row]


def department(hospital_code: str, service: str) -> Department:
    """The department of a hospital (by ODS code) for a CQC service."""
    return db.session.scalar(
        select(Department)
        .join(Hospital, Department.hospital_id == Hospital.id)
        .where(Hospital.ods_code == hospital_code, Department.service_code == service)
    )


def titled(title: str) -> Action:
    """The action with this title, read afresh from the database."""
    db.session.expire_all()
    return db.session.scalar(select(Action).where(Action.title == title))
