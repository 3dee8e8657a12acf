"""The workflow buttons on the action page: start, complete, verify, send back and cancel; who
sees and may press each (a lead only start and complete, and only in their departments); the
audit events of each; and the 409 page for a stale form, which saves nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.actions import services
from app.audit.models import AuditEvent
from app.extensions import db
from tests.support import department, page_text, titled

OPEN = "Recruit to the full midwifery establishment"  # maternity, open
IN_PROGRESS = "Complete and audit mental health risk assessments in the emergency department"  # A&E
COMPLETED = "Audit the maternity triage telephone line quarterly"  # maternity, awaiting verification
SENT_BACK = "Test the pathology and imaging downtime contingency plan every six months"








def last_event() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(marker: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > marker).order_by(AuditEvent.id)))


@pytest.fixture
def maternity_lead(client_as, demo):  # type: ignore[no-untyped-def]
    return client_as("lead", departments=[department("R1HKH", "npimaternity")])


@pytest.fixture
def quality(client_as, demo):  # type: ignore[no-untyped-def]
    return client_as("quality")


def test_a_lead_starts_their_departments_open_action(maternity_lead):
    action = titled(OPEN)
    marker = last_event()
    response = maternity_lead.post(f"/actions/{action.id}/start", data={"version": action.version})
    assert response.status_code == 302
    assert titled(OPEN).status == "in_progress"
    created, changed = events_since(marker)
    assert (created.record_kind, changed.record_kind) == ("action_updates", "actions")
    assert changed.changes["status"] == ["open", "in_progress"]
    text = page_text(maternity_lead.get(response.headers["Location"]).text)
    assert "The action is now in progress." in text
    assert "Work started." in text and "Status changed from Open to In progress" in text


def test_quality_verifies_a_completed_action(quality):
    action = titled(COMPLETED)
    marker = last_event()
    response = quality.post(f"/actions/{action.id}/verify", data={"version": action.version, "comment": "Both audits seen."})
    assert response.status_code == 302
    action = titled(COMPLETED)
    assert action.status == "verified" and action.verified_on is not None
    assert action.updates[-1].text == "Verified closed. Both audits seen."
    assert events_since(marker)[-1].changes["status"] == ["completed", "verified"]
    text = page_text(quality.get(f"/actions/{action.id}").text)
    assert "Status Verified closed" in text and "Verified on" in text


def test_quality_sends_a_completed_action_back_with_a_comment(quality):
    action = titled(COMPLETED)
    response = quality.post(f"/actions/{action.id}/send-back", data={"version": action.version, "comment": ""})
    assert response.status_code == 400
    assert "Say what still needs doing before the action is sent back." in page_text(response.text)
    assert 'href="#send-back-comment"' in response.text
    assert titled(COMPLETED).status == "completed"
    response = quality.post(f"/actions/{action.id}/send-back", data={"version": action.version, "comment": "Audit Q3 too."})
    assert response.status_code == 302
    action = titled(COMPLETED)
    assert (action.status, action.completed_on) == ("in_progress", None)
    assert "Sent back for more work. Audit Q3 too." in page_text(quality.get(f"/actions/{action.id}").text)


def test_quality_cancels_with_a_reason_shown_on_the_page(quality):
    action = titled(OPEN)
    response = quality.post(f"/actions/{action.id}/cancel", data={"version": action.version, "reason": " "})
    assert response.status_code == 400
    assert "Give a reason for cancelling the action." in page_text(response.text)
    assert 'href="#cancel-reason"' in response.text
    response = quality.post(f"/actions/{action.id}/cancel", data={"version": action.version, "reason": "Covered by the workforce plan."})
    assert response.status_code == 302
    text = page_text(quality.get(f"/actions/{action.id}").text)
    assert "Status Cancelled" in text and "Why cancelled Covered by the workforce plan." in text


def test_the_demo_shows_an_action_sent_back_once(client_as, demo):
    text = page_text(client_as("viewer").get(f"/actions/{titled(SENT_BACK).id}").text)
    assert "Status changed from Completed (awaiting verification) to In progress" in text
    assert "Sent back for more work. The paper request forms ran out" in text
    assert "Slipped twice, 365 days in total" in text


@pytest.mark.parametrize("route", ["verify", "send-back", "cancel"])
def test_a_lead_may_not_verify_send_back_or_cancel_even_their_own_action(maternity_lead, route):
    action = titled(COMPLETED if route != "cancel" else OPEN)
    before = (action.status, action.version)
    marker = last_event()
    response = maternity_lead.post(f"/actions/{action.id}/{route}", data={"version": action.version, "comment": "x", "reason": "x"})
    assert response.status_code == 403
    action = titled(action.title)
    assert (action.status, action.version) == before and events_since(marker) == []


@pytest.mark.parametrize("route", ["start", "complete"])
def test_a_lead_may_not_start_or_complete_another_departments_action(client_as, demo, route):
    lead = client_as("lead", departments=[department("R1HKH", "urgent")])
    action = titled(OPEN)
    marker = last_event()
    assert lead.post(f"/actions/{action.id}/{route}", data={"version": action.version}).status_code == 403
    assert titled(OPEN).status == "open" and events_since(marker) == []


def test_a_button_the_status_does_not_offer_is_refused(quality):
    action = titled(OPEN)
    response = quality.post(f"/actions/{action.id}/verify", data={"version": action.version})
    assert response.status_code == 400
    assert "This action is open, so it cannot be verified closed." in page_text(response.text)
    assert titled(OPEN).status == "open"


def test_the_page_offers_each_user_only_their_buttons(client_as, maternity_lead, quality):
    def buttons(client, title):  # type: ignore[no-untyped-def]
        text = page_text(client.get(f"/actions/{titled(title).id}").text)
        return [b for b in ("Start work", "Mark as completed", "Verify and close", "Send back", "Cancel the action") if b in text]

    assert buttons(maternity_lead, OPEN) == ["Start work", "Mark as completed"]
    assert buttons(maternity_lead, COMPLETED) == []
    assert buttons(quality, OPEN) == ["Start work", "Mark as completed", "Cancel the action"]
    assert buttons(quality, COMPLETED) == ["Verify and close", "Send back"]
    assert buttons(client_as("viewer"), OPEN) == []
    assert buttons(client_as("admin"), COMPLETED) == []


@pytest.mark.parametrize(
    ("route", "title", "data", "unsaved"),
    [
        ("start", OPEN, {}, None),
        ("verify", COMPLETED, {"comment": "Checked both audits."}, "Checked both audits."),
        ("send-back", COMPLETED, {"comment": "Audit Q3 too."}, "Audit Q3 too."),
        ("cancel", OPEN, {"reason": "Covered elsewhere."}, "Covered elsewhere."),
        ("complete", OPEN, {"text": "All recruited."}, "All recruited."),
    ],
)
def test_a_stale_workflow_form_gets_the_409_page_and_changes_nothing(quality, demo, make_user, route, title, data, unsaved):
    action = titled(title)
    opened_on = action.version
    services.edit_action(action, title=action.title, description="Changed meanwhile.", department=action.department,
                         owner=action.owner, priority="low", findings=action.findings, actor=make_user("quality", name="Quick Colleague"))
    db.session.commit()
    current = titled(title)
    before = (current.status, current.version, len(current.updates))
    marker = last_event()
    response = quality.post(f"/actions/{current.id}/{route}", data={"version": opened_on, **data})
    assert response.status_code == 409
    text = page_text(response.text)
    assert "Someone else changed this action" in text
    assert "What changed since you opened the form Description: none → Changed meanwhile." in text
    assert "Priority: High → Low (Quick Colleague," in text or "Priority: Medium → Low (Quick Colleague," in text
    if unsaved:
        assert unsaved in text[text.index("Your input was not saved"):]
    # The form comes back on the current version, so sending it again goes through.
    assert f'value="{current.version}"' in response.text
    current = titled(title)
    assert (current.status, current.version, len(current.updates)) == before
    assert events_since(marker) == []
