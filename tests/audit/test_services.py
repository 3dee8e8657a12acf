"""Reading the trail: the audit log's filters, its pages, and the CSV's cells."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest

from app.audit.log import (
    AuditFilters,
    count_events,
    csv_cell,
    csv_lines,
    events_page,
    filter_choices,
    kind_label,
    value_text,
)
from app.auth.services import set_active
from app.extensions import db


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


def matching(filters: AuditFilters) -> list[int]:
    return [entry.id for entry in events_page(filters, per_page=1000).entries]


@pytest.fixture
def week(add_event, make_user):  # type: ignore[no-untyped-def]
    """Events across 16 to 18 March 2024 by two users and the system; make_user's own
    account-creation events are system events of today."""
    ann, bob = make_user("quality", name="Ann"), make_user("admin", name="Bob")
    events = {
        "before": add_event(utc(2024, 3, 15, 23, 59, 59), user=ann),
        "first": add_event(utc(2024, 3, 16, 0, 0), user=ann, action="create", kind="hospitals"),
        "middle": add_event(utc(2024, 3, 17, 12, 0), user=bob, kind="hospitals"),
        "last": add_event(utc(2024, 3, 18, 23, 59, 59, 999999), action="archive", kind="inspections"),
        "after": add_event(utc(2024, 3, 19, 0, 0), user=bob),
    }
    return {"ann": ann, "bob": bob, **{key: e.id for key, e in events.items()}}


def test_no_filters_lists_everything_newest_first(week):
    ids = matching(AuditFilters())
    assert ids[-5:] == [week["after"], week["last"], week["middle"], week["first"], week["before"]]
    assert len(ids) == 7  # and the two users' account-creation events, today


def test_by_user(week):
    assert matching(AuditFilters(user_id=week["ann"].id)) == [week["first"], week["before"]]
    assert matching(AuditFilters(user_id=week["bob"].id)) == [week["after"], week["middle"]]


def test_by_system_keeps_events_without_a_user(week):
    ids = matching(AuditFilters(by_system=True, date_to=date(2024, 12, 31)))
    assert ids == [week["last"]]


def test_by_kind_and_action(week):
    assert matching(AuditFilters(record_kind="hospitals")) == [week["middle"], week["first"]]
    assert matching(AuditFilters(action="archive")) == [week["last"]]
    assert matching(AuditFilters(record_kind="hospitals", action="update")) == [week["middle"]]


def test_date_range_includes_both_whole_days(week):
    ids = matching(AuditFilters(date_from=date(2024, 3, 16), date_to=date(2024, 3, 18)))
    assert ids == [week["last"], week["middle"], week["first"]]


def test_a_one_day_range(week):
    assert matching(AuditFilters(date_from=date(2024, 3, 17), date_to=date(2024, 3, 17))) == [week["middle"]]


def test_open_ended_ranges(week):
    assert matching(AuditFilters(date_to=date(2024, 3, 15))) == [week["before"]]
    assert week["after"] in matching(AuditFilters(date_from=date(2024, 3, 19)))
    assert week["last"] not in matching(AuditFilters(date_from=date(2024, 3, 19)))


def test_the_furthest_dates_do_not_overflow(week):
    assert len(matching(AuditFilters(date_from=date(1, 1, 1), date_to=date(9999, 12, 31)))) == 7


def test_pages(add_event):
    for minute in range(7):
        add_event(utc(2024, 3, 17, 9, minute), record_id=minute)
    first = events_page(AuditFilters(), page=1, per_page=3)
    last = events_page(AuditFilters(), page=3, per_page=3)
    assert (first.total, first.pages, first.first, first.last) == (7, 3, 1, 3)
    assert [e.record_id for e in first.entries] == [6, 5, 4]
    assert [e.record_id for e in last.entries] == [0]
    assert (last.first, last.last) == (7, 7)
    assert count_events(AuditFilters()) == 7


def test_an_empty_trail_is_one_empty_page(app):
    page = events_page(AuditFilters())
    assert (page.entries, page.total, page.pages, page.first, page.last) == ((), 0, 1, 0, 0)


def test_entries_carry_plain_values_for_the_page(week):
    entry = events_page(AuditFilters(record_kind="hospitals", action="update")).entries[0]
    assert (entry.who, entry.kind_label, entry.changes) == ("Bob", "Hospital", (("name", "Before", "After"),))
    system = events_page(AuditFilters(action="archive")).entries[0]
    assert system.who == "System" and system.user_email is None


def test_bookkeeping_fields_are_left_off_the_page(add_event):
    add_event(utc(2024, 3, 17), action="create", changes={"id": [None, 4], "version": [None, 1], "name": [None, "X"]})
    assert events_page(AuditFilters()).entries[0].changes == (("name", None, "X"),)


def test_filter_choices_list_every_user_and_the_kinds_recorded(make_user, add_event):
    gone = make_user("viewer", name="Zoë Gone", email="zoe@example.nhs.uk")
    set_active(gone, False)
    db.session.commit()
    add_event(utc(2024, 3, 17), kind="rating_cells")
    users, kinds = filter_choices()
    assert users == [(str(gone.id), "Zoë Gone (zoe@example.nhs.uk), deactivated")]
    assert kinds == [("rating_cells", "Rating cell"), ("users", "User")]


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("users", "User"),
        ("rating_cells", "Rating cell"),
        ("action_updates", "Action update"),
        ("hospitals", "Hospital"),
        ("inspections", "Inspection"),
        ("widgets", "Widget"),  # no model (any more): the table name, singular, in words
        ("old_things", "Old thing"),
    ],
)
def test_kind_label(app, kind, label):
    assert kind_label(kind) == label


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("text", "text"), (3, "3"), (True, "true"), ([1, 2], "[1, 2]"), ("Zoë", "Zoë")],
)
def test_value_text(value, expected):
    assert value_text(value) == expected


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+44 20 7377 7000", "'+44 20 7377 7000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Whipps Cross", "Whipps Cross"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (5, "5"),
        (-5, "'-5"),
    ],
)
def test_csv_cell_defuses_formulas(value, cell):
    assert csv_cell(value) == cell


def test_csv_lines_one_row_per_changed_field(add_event, make_user):
    ann = make_user("quality", name="Ann", email="ann@example.nhs.uk")
    add_event(utc(2024, 3, 17, 9, 30), user=ann, kind="hospitals", record_id=4,
              changes={"name": ["Old", "New"], "town": [None, "Leytonstone"]})
    add_event(utc(2024, 3, 17, 9, 31), action="restore", kind="actions", record_id=9, changes={})
    text = "".join(csv_lines(AuditFilters(date_to=date(2024, 3, 17)), batch=1))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["occurred_at", "user_email", "user_name", "action", "record_kind", "record_id", "field", "before", "after"],
        ["2024-03-17T09:31:00Z", "", "", "restore", "actions", "9", "", "", ""],
        ["2024-03-17T09:30:00Z", "ann@example.nhs.uk", "Ann", "update", "hospitals", "4", "name", "Old", "New"],
        ["2024-03-17T09:30:00Z", "ann@example.nhs.uk", "Ann", "update", "hospitals", "4", "town", "", "Leytonstone"],
    ]
