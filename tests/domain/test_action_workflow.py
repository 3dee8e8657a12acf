"""The action workflow as a table: which buttons an action offers in each status, who may press
them, which need words, and who may own an action; and the evidence file kinds and size labels."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain import actions as rules
from app.domain.access import PERMISSIONS
from app.domain.files import EVIDENCE, EXTENSIONS, size_label


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        ("open", ["start", "complete", "cancel"]),
        ("in_progress", ["complete", "cancel"]),
        ("completed", ["verify", "send_back"]),
        ("verified", []),
        ("cancelled", []),
    ],
)
def test_the_buttons_each_status_offers(status, buttons):
    assert [c.name for c in rules.changes_open_to(status)] == buttons


@pytest.mark.parametrize(
    ("change", "to", "permission", "needs_words"),
    [
        ("start", "in_progress", "update_actions", False),
        ("complete", "completed", "update_actions", False),
        ("verify", "verified", "manage_actions", False),
        ("send_back", "in_progress", "manage_actions", True),
        ("cancel", "cancelled", "manage_actions", True),
    ],
)
def test_each_change_leads_somewhere_and_names_who_may_press_it(change, to, permission, needs_words):
    step = rules.STATUS_CHANGES[change]
    assert (step.to, step.permission, step.text_required) == (to, permission, needs_words)
    assert permission in PERMISSIONS
    # Only the quality team verifies, sends back and cancels; a lead starts and completes.
    assert ("lead" in PERMISSIONS[permission]) == (change in ("start", "complete"))


def test_transitions_are_exactly_the_buttons():
    assert rules.TRANSITIONS == {
        "open": {"in_progress", "completed", "cancelled"},
        "in_progress": {"completed", "cancelled"},
        "completed": {"verified", "in_progress"},
        "verified": set(),
        "cancelled": set(),
    }


@pytest.mark.parametrize(
    ("current", "new", "reason", "message"),
    [
        ("verified", "in_progress", None, "An action that is Verified closed cannot become In progress."),
        ("cancelled", "open", None, "An action that is Cancelled cannot become Open."),
        ("in_progress", "verified", None, "An action that is In progress cannot become Verified closed."),
        ("open", "cancelled", "  ", "Give a reason for cancelling the action."),
    ],
)
def test_moves_the_workflow_refuses(current, new, reason, message):
    with pytest.raises(rules.InvalidTransition, match=message):
        rules.check_transition(current, new, reason=reason)


@pytest.mark.parametrize(
    ("status", "by_owner_or_lead", "starts"),
    [
        ("open", True, True),
        ("open", False, False),  # a quality-team note (a chase) is not progress
        ("in_progress", True, False),
        ("completed", True, False),
    ],
)
def test_progress_on_an_open_action_starts_it(status, by_owner_or_lead, starts):
    assert rules.starts_work(status, by_owner_or_lead=by_owner_or_lead) is starts


@pytest.mark.parametrize(
    ("role", "led", "department", "problem"),
    [
        ("quality", set(), None, None),
        ("quality", set(), 7, None),
        ("lead", {7, 8}, 7, None),
        ("lead", {8}, 7, "leads other departments"),
        ("lead", {7}, None, "leads other departments"),
        ("viewer", set(), 7, "cannot own actions"),
        ("admin", set(), 7, "cannot own actions"),
    ],
)
def test_who_may_own_an_action(role, led, department, problem):
    found = rules.owner_problem(role, led, department, "Sam Patel")
    if problem is None:
        assert found is None
    else:
        assert problem in found and found.startswith("Sam Patel")


def test_closed_actions_are_finished_and_finished_ones_are_never_overdue():
    assert rules.CLOSED < rules.FINISHED
    for status in rules.FINISHED:
        assert not rules.is_overdue(status, date(2000, 1, 1), date(2026, 1, 1))
    assert rules.is_overdue("open", date(2025, 12, 31), date(2026, 1, 1))
    assert not rules.is_overdue("open", date(2026, 1, 1), date(2026, 1, 1))


def test_evidence_kinds_are_pdf_images_office_and_csv_each_with_a_content_check():
    assert EVIDENCE == {"pdf", "png", "jpg", "jpeg", "gif", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "csv"}
    assert EVIDENCE <= set(EXTENSIONS)


@pytest.mark.parametrize(
    ("size", "label"),
    [(20 * 1024 * 1024, "20 MB"), (1024 * 1024, "1 MB"), (1536 * 1024, "1 MB"), (512 * 1024, "512 KB"), (10, "1 KB")],
)
def test_size_labels(size, label):
    assert size_label(size) == label
