"""What the open data files are made of: the declaration of a file and its columns, the data
read once for an export (Snapshot), and the guard that keeps people's names out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.extensions import db
from app.inspections.models import Inspection
from app.organisations.models import Department, Trust

YES_NO = ("yes", "no")
# Free text that names a person is replaced by this (see PersonGuard).
WITHHELD = "[withheld: names a person]"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of TYPES
    meaning: str
    allowed: tuple[str, ...] = ()  # the only values it takes, when it is a closed list
    optional: bool = False  # may be empty


# The column types the README uses, and what each means.
TYPES = {
    "text": "UTF-8 text",
    "code": "a short identifier (letters, digits, hyphens)",
    "integer": "a whole number, no separators",
    "date": "a date, ISO 8601 (YYYY-MM-DD)",
    "yes/no": "`yes` or `no`",
}


@dataclass(frozen=True)
class DataFile:
    name: str
    about: str
    columns: tuple[Column, ...]
    rows: Callable[[Snapshot], Iterable[Sequence[Any]]]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


_WORDS = re.compile(r"\w+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class PersonGuard:
    """Withholds free text that contains an email address, or the name of anyone with an
    account (as whole words, in any case): a title is written about work, but a slip ("Ask
    Grace Mensah to ...") must not publish a person. Names are matched as runs of words in a
    set, so the check costs the same whatever the number of accounts."""

    def __init__(self) -> None:
        self.names: set[tuple[str, ...]] = set()
        for name in db.session.scalars(select(User.name)):
            words = tuple(_WORDS.findall((name or "").lower()))
            if words:
                self.names.add(words)
                # "Dr Tom Okafor" is written "Tom Okafor" too: the name without a title.
                if len(words) > 2:
                    self.names.add(words[1:])
        self.longest = max((len(n) for n in self.names), default=0)

    def names_someone(self, text: str) -> bool:
        if _EMAIL.search(text):
            return True
        words = _WORDS.findall(text.lower())
        return any(
            tuple(words[start:start + size]) in self.names
            for size in range(1, self.longest + 1)
            for start in range(len(words) - size + 1)
        )

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        return WITHHELD if self.names_someone(text) else text


class Snapshot:
    """Everything the files are made from, read once, as of one date."""

    def __init__(self, as_of: date, generated_at: datetime) -> None:
        self.as_of = as_of
        self.generated_at = generated_at
        self.guard = PersonGuard()
        self.trusts = list(
            db.session.scalars(select(Trust).options(selectinload(Trust.hospitals)).order_by(Trust.ods_code))
        )
        self.hospitals = {h.id: h for t in self.trusts for h in t.hospitals}
        self.trust_codes = {t.id: t.ods_code for t in self.trusts}
        self.departments = {
            d.id: d for d in db.session.scalars(select(Department).options(selectinload(Department.successors)))
        }
        self.departments_of: dict[int, list[Department]] = {}
        for department in self.departments.values():
            self.departments_of.setdefault(department.hospital_id, []).append(department)
        self.inspections = list(
            db.session.scalars(
                select(Inspection)
                .where(
                    Inspection.source == "official",
                    Inspection.status == "published",
                    Inspection.archived_at.is_(None),
                )
                .order_by(Inspection.published_on, Inspection.id)
            )
        )
        self.inspection_ids = {i.id for i in self.inspections}
        self.references = {i.id: i.report_ref or "" for i in self.inspections}

    def hospital_code(self, hospital_id: int | None) -> str:
        return self.hospitals[hospital_id].ods_code if hospital_id in self.hospitals else ""

    def department(self, department_id: int | None) -> Department | None:
        return self.departments.get(department_id) if department_id is not None else None


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return (value.date() if isinstance(value, datetime) else value).isoformat()
