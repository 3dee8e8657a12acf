"""Improvement actions through the browser: a department lead opens My actions, posts an update
with evidence and marks the action completed; a quality user finds it on the actions board and
verifies it closed. axe checks every page of the actions issue on the way, error states included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.actions.models import Action
from app.demo.documents import pdf
from app.extensions import db


@pytest.fixture
def open_action(live_server):  # type: ignore[no-untyped-def]
    """An open demo action of a department: (id, title, department)."""
    action = db.session.scalars(
        select(Action)
        .where(Action.department_id.is_not(None), Action.status == "open", Action.archived_at.is_(None))
        .order_by(Action.id)
    ).first()
    found = action.id, action.title, action.department
    db.session.commit()  # end the read so the live server can write (SQLite)
    return found


def status_tag(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("strong.nhsuk-tag", has_text="Status:").first


def test_a_lead_updates_with_evidence_and_completes_then_quality_verifies(
    page: Page, sign_in, open_action, assert_accessible, shot
) -> None:
    action_id, title, department = open_action
    sign_in(page, "lead", departments=[department])
    db.session.commit()

    # My actions: the lead's department's actions, this one among them.
    page.goto("/")
    page.get_by_role("link", name="My actions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    assert_accessible(page)
    shot(page, "action-00-my-actions")
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(f"**/actions/{action_id}")
    expect(status_tag(page)).to_contain_text("Open")
    assert_accessible(page)
    shot(page, "action-01-open")

    # An update with no text is refused, and the file has to be chosen again.
    page.get_by_label("Percent complete (optional)").fill("40")
    page.get_by_role("button", name="Post update").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the progress update.")
    expect(page.get_by_label("Percent complete (optional)")).to_have_value("40")
    assert_accessible(page)

    # The update with evidence: the first update of an open action starts it.
    page.get_by_label("Progress update").fill("Audit of the first month done; report attached.")
    # The NHS.UK file upload component puts a "Choose file" button over the input.
    page.locator("input[type=file][name=evidence_file]").set_input_files(
        {"name": "audit-month-1.pdf", "mimeType": "application/pdf", "buffer": pdf("Audit, month 1")}
    )
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_text("Your progress update has been posted.")).to_be_visible()
    expect(page.locator(".ql-user-text", has_text="Audit of the first month done")).to_be_visible()
    expect(page.get_by_role("link", name="audit-month-1.pdf").first).to_be_visible()
    expect(status_tag(page)).to_contain_text("In progress")
    with page.expect_download() as download:
        page.get_by_role("link", name="audit-month-1.pdf").first.click()
    assert download.value.suggested_filename == "audit-month-1.pdf"
    assert open(download.value.path(), "rb").read().startswith(b"%PDF-")
    assert_accessible(page)

    page.get_by_role("button", name="Mark as completed").click()
    expect(page.get_by_text("The action is marked as completed.")).to_be_visible()
    expect(status_tag(page)).to_contain_text("Completed (awaiting verification)")
    shot(page, "action-02-completed")
    # A lead cannot verify.
    assert page.get_by_role("button", name="Verify and close").count() == 0

    # The quality team finds it on the board, awaiting verification, and closes it.
    page.context.clear_cookies()
    sign_in(page, "quality")
    db.session.commit()
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions")
    assert_accessible(page)
    page.get_by_label("Status", exact=True).select_option("completed")
    page.get_by_role("button", name="Apply filters").click()
    assert_accessible(page)
    shot(page, "action-03-board")
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(f"**/actions/{action_id}")
    page.get_by_label("Comment (optional)").fill("Audit report checked: closed.")
    page.get_by_role("button", name="Verify and close").click()
    expect(page.get_by_text("The action is verified and closed.")).to_be_visible()
    expect(status_tag(page)).to_contain_text("Verified closed")
    shot(page, "action-04-verified")
    assert page.get_by_role("heading", name="Post a progress update").count() == 0
    assert_accessible(page)


def test_the_quality_pages_of_actions_are_accessible(page: Page, sign_in, open_action, assert_accessible) -> None:
    """Raising, editing, the import and its errors, and the workflow's error states."""
    action_id, _title, _department = open_action
    sign_in(page, "quality")
    db.session.commit()

    page.goto("/actions/new?hospital=R1HKH")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.locator("form[method=post] button[type=submit]").last.click()  # everything blank
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/actions/{action_id}/edit")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    page.goto("/actions/import")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.locator("input[type=file]").set_input_files(
        {"name": "actions.csv", "mimeType": "text/csv", "buffer": b"hospital,title\nR1HKH,\n"}
    )
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)

    # Cancelling without a reason shows the error on the action page.
    page.goto(f"/actions/{action_id}")
    page.get_by_role("button", name="Cancel the action").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)
