"""The digest's wording and order, by tables (app/reminders/digest.py is plain Python)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from app.reminders.digest import Digest, DigestItem, counts, ordered, window_end

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("overdue", "due_soon", "expected"),
    [
        (3, 2, "3 actions overdue, 2 due within 7 days"),
        (1, 1, "1 action overdue, 1 due within 7 days"),
        (1, 0, "1 action overdue"),
        (2, 0, "2 actions overdue"),
        (0, 1, "1 action due within 7 days"),
        (0, 5, "5 actions due within 7 days"),
        (0, 0, "no actions due"),
    ],
)
def test_counts(overdue, due_soon, expected):
    assert counts(overdue, due_soon) == expected


def item(action_id: int, due: date, days_late: int = 0, title: str = "T", department: str | None = "A&E") -> DigestItem:
    return DigestItem(action_id, title, "Whipps Cross", department, due, "Open", days_late, f"u/{action_id}")


@pytest.mark.parametrize(
    ("days_late", "expected"), [(0, ""), (1, "1 day late"), (2, "2 days late"), (365, "365 days late")]
)
def test_lateness(days_late, expected):
    assert item(1, TODAY, days_late).lateness == expected


def test_place_names_the_department_or_says_hospital_wide():
    assert item(1, TODAY).place == "Whipps Cross, A&E"
    assert item(1, TODAY, department=None).place == "Whipps Cross (hospital-wide)"


def test_order_is_longest_overdue_first_then_by_due_date():
    items = [
        item(1, date(2026, 3, 5)),
        item(2, date(2026, 2, 20), 10),
        item(3, date(2026, 3, 2)),
        item(4, date(2026, 2, 27), 3),
        item(5, date(2026, 3, 2), title="A first"),
    ]
    assert [i.action_id for i in ordered(items)] == [2, 4, 5, 3, 1]


def test_subject_and_sections():
    digest = Digest(1, "Alice", "a@x", TODAY, ordered([item(1, date(2026, 2, 27), 3), item(2, TODAY)]))
    assert digest.subject == "Quality Ledger: 1 action overdue, 1 due within 7 days"
    assert [i.action_id for i in digest.overdue] == [1]
    assert [i.action_id for i in digest.due_soon] == [2]
    assert digest.due_soon_until == window_end(TODAY) == date(2026, 3, 9)


def test_the_digest_rules_import_no_flask_and_no_sqlalchemy():
    source = Path(__file__).resolve().parents[2] / "app" / "reminders" / "digest.py"
    modules = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules <= {"__future__", "dataclasses", "datetime"}
