"""The action page, a department lead's progress updates and completion, and archiving actions,
on the demo trust (app/demo/story.py). The workflow buttons, evidence and editing are tested in
test_workflow.py, test_evidence.py and test_editing.py. Object-level access: a lead reaches only the actions of
their own departments, whatever ids or fields they send."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.actions.models import Action, ActionUpdate
from app.actions.services import create_action, post_update
from app.audit.models import AuditEvent
from app.extensions import db
from tests.support import department, page_text

ROLES = ("admin", "quality", "lead", "viewer")
ARCHIVE_FIELDS = {"archived_at", "archived_by_id", "archive_reason"}

# Demo actions, by title.
ACTION_A = "Complete and audit mental health risk assessments in the emergency department"  # A&E, in progress
ACTION_B = "Recruit to the full midwifery establishment"  # maternity, open
HOSPITAL_WIDE = "Run a business-continuity drill for theatres when clinical systems fail"  # no department
VERIFIED = "Introduce rapid assessment and triage at the emergency department front door"  # A&E, verified
SLIPPED = "All midwives and obstetricians complete annual fetal monitoring training"  # due date moved twice






def titled(title: str) -> Action:
    return db.session.scalar(select(Action).where(Action.title == title))


def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(marker: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > marker).order_by(AuditEvent.id)))


def update_count() -> int:
    return db.session.scalar(select(func.count(ActionUpdate.id)))


def state(action: Action) -> dict[str, object]:
    """What a post must not change behind the form's back."""
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    return {
        "department_id": action.department_id, "owner_id": action.owner_id,
        "hospital_id": action.hospital_id, "status": action.status, "due_on": action.due_on,
        "original_due_on": action.original_due_on, "title": action.title,
        "priority": action.priority, "completed_on": action.completed_on,
        "version": action.version, "updates": len(action.updates),
    }


@pytest.fixture
def action_a(demo) -> Action:  # type: ignore[no-untyped-def]
    return titled(ACTION_A)


@pytest.fixture
def action_b(demo) -> Action:  # type: ignore[no-untyped-def]
    return titled(ACTION_B)


@pytest.fixture
def lead_a(make_user, demo):  # type: ignore[no-untyped-def]
    """A lead of Whipps Cross's emergency department (department A), and nothing else."""
    return make_user("lead", name="Lead of A and E", departments=[department("R1HKH", "urgent")])


def update_form(action: Action, **fields: object) -> dict[str, object]:
    return {"text": "Audit of 50 records: 46 complete.", "version": action.version} | fields


# -- Reading the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_action_page(client_as, action_a, role):
    # A lead of another department (maternity) reads it too.
    departments = [department("R1HKH", "npimaternity")] if role == "lead" else ()
    response = client_as(role, departments=departments).get(f"/actions/{action_a.id}")
    assert response.status_code == 200
    text = page_text(response.text)
    assert ACTION_A in text
    for detail in (
        "Whipps Cross University Hospital · Urgent and emergency services",
        "Owner Dr Tom Okafor, Clinical director, emergency medicine, Whipps Cross",
        "Priority High", "Status In progress", "Due date 31 January 2027",
        "Original due date 31 January 2027", "The due date has not moved", "Percent complete 40%",
    ):
        assert detail in text
    # The timeline: who, when, what, and the status change in words.
    assert "Dr Tom Okafor , 2 June 2026 at 09:00 UTC" in text
    assert "New assessment form live in the electronic record." in text
    assert "Status changed from Open to In progress" in text
    # The finding it answers links to its place on the inspection page.
    finding = action_a.findings[0]
    assert f'href="/inspections/{finding.inspection_id}#finding-{finding.id}"' in response.text
    assert "History (" in text


def test_due_date_moves_show_with_their_reasons_and_the_slippage(client_as, demo):
    text = page_text(client_as("viewer").get(f"/actions/{titled(SLIPPED).id}").text)
    assert "Original due date 31 March 2023" in text
    assert "Due date moved from 31 March 2023 to 30 September 2023: Trainer on long-term leave." in text
    assert "Due date moved from 30 September 2023 to 30 September 2026: Agency staff added" in text
    assert "Slipped twice, 1279 days in total" in text


def test_overdue_is_derived_from_today(client_as, demo, make_user):
    owner = make_user("quality")
    hospital = department("R1HKH", "urgent").hospital
    late = create_action(hospital=hospital, title="Late one", owner=owner, due_on=date.today() - timedelta(days=5))
    due = create_action(hospital=hospital, title="Not yet due", owner=owner, due_on=date.today() + timedelta(days=1))
    db.session.commit()
    viewer = client_as("viewer")
    assert "Overdue by 5 days" in page_text(viewer.get(f"/actions/{late.id}").text)
    assert "Overdue" not in page_text(viewer.get(f"/actions/{due.id}").text)


def test_an_incident_action_shows_its_incident(client_as, demo):
    text = page_text(client_as("viewer").get(f"/actions/{titled(HOSPITAL_WIDE).id}").text)
    assert "IT equipment failure took down pathology and imaging systems , 20 April 2017" in text
    assert "Department None (hospital-wide)" in text


def test_unknown_action_is_404_on_every_route(client_as):
    quality = client_as("quality")
    assert quality.get("/actions/99999").status_code == 404
    for route in ("updates", "complete", "archive", "restore", "start", "verify", "send-back", "cancel", "evidence", "edit"):
        assert quality.post(f"/actions/99999/{route}", data={"text": "x", "reason": "x", "version": 1}).status_code == 404


def test_the_forms_show_only_to_those_who_may_use_them(client_as, client_of, lead_a, action_a, action_b, demo):
    def forms(client, action):  # type: ignore[no-untyped-def]
        text = page_text(client.get(f"/actions/{action.id}").text)
        return "Post a progress update" in text, "Mark as completed" in text, "Archive this action" in text

    lead = client_of(lead_a)
    assert forms(lead, action_a) == (True, True, False)
    assert forms(lead, action_b) == (False, False, False)
    assert forms(lead, titled(HOSPITAL_WIDE)) == (False, False, False)
    assert forms(lead, titled(VERIFIED)) == (False, False, False)  # finished
    quality = client_as("quality")
    assert forms(quality, action_b) == (True, True, True)
    assert forms(quality, titled(VERIFIED)) == (False, False, True)
    assert forms(client_as("admin"), action_a) == (False, False, True)
    assert forms(client_as("viewer"), action_a) == (False, False, False)


# -- A lead's progress updates ------------------------------------------------------------------------


def test_a_lead_posts_an_update_to_their_departments_action(client_of, lead_a, action_a):
    lead = client_of(lead_a)
    old_due = action_a.due_on
    marker = last_event_id()
    response = lead.post(f"/actions/{action_a.id}/updates", data=update_form(
        action_a, percent_complete="55", new_due_on="2027-03-31", due_change_reason="Audit cycle moved.",
    ))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/actions/{action_a.id}#updates")
    db.session.expire_all()
    update = action_a.updates[-1]
    assert (update.text, update.percent_complete, update.author_id) == ("Audit of 50 records: 46 complete.", 55, lead_a.id)
    assert (update.new_due_on, update.due_change_reason) == (date(2027, 3, 31), "Audit cycle moved.")
    assert action_a.due_on == date(2027, 3, 31) and action_a.status == "in_progress"

    created, changed = events_since(marker)
    assert (created.action, created.record_kind, created.record_id, created.user_id) == ("create", "action_updates", update.id, lead_a.id)
    assert created.changes["percent_complete"] == [None, 55]
    assert (changed.action, changed.record_kind, changed.record_id, changed.user_id) == ("update", "actions", action_a.id, lead_a.id)
    assert changed.changes["due_on"] == [old_due.isoformat(), "2027-03-31"]

    text = page_text(lead.get(response.headers["Location"]).text)
    assert "Your progress update has been posted." in text
    assert "Percent complete: 55%" in text and "Percent complete 55%" in text
    assert "Due date moved from 31 January 2027 to 31 March 2027: Audit cycle moved." in text
    # The History panel shows both audit events, with who made them.
    assert f"Create action update {update.id} by Lead of A and E" in text
    assert f"Update action {action_a.id} by Lead of A and E" in text


def test_a_note_alone_changes_nothing_on_the_action_itself(client_of, lead_a, action_a):
    lead = client_of(lead_a)
    before = state(action_a)
    marker = last_event_id()
    assert lead.post(f"/actions/{action_a.id}/updates", data=update_form(action_a)).status_code == 302
    [created] = events_since(marker)
    assert (created.action, created.record_kind) == ("create", "action_updates")
    assert state(action_a) == before | {"updates": before["updates"] + 1}


def test_a_lead_completes_their_departments_action(client_of, lead_a, action_a):
    lead = client_of(lead_a)
    marker = last_event_id()
    response = lead.post(f"/actions/{action_a.id}/complete", data={"text": "Audit report attached to the board paper.", "version": action_a.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert action_a.status == "completed" and action_a.completed_on == date.today()
    update = action_a.updates[-1]
    assert update.text == "Marked as completed. Audit report attached to the board paper."
    assert (update.status_from, update.status_to, update.percent_complete) == ("in_progress", "completed", 100)

    created, changed = events_since(marker)
    assert (created.action, created.record_kind, created.record_id) == ("create", "action_updates", update.id)
    assert (changed.action, changed.record_kind, changed.user_id) == ("update", "actions", lead_a.id)
    assert changed.changes["status"] == ["in_progress", "completed"]
    assert changed.changes["completed_on"] == [None, date.today().isoformat()]
    text = page_text(lead.get(f"/actions/{action_a.id}").text)
    assert "Status Completed (awaiting verification)" in text
    assert "Post a progress update" not in text  # finished: no more updates from the lead


def test_completing_without_a_note_says_so(client_as, action_b):
    quality = client_as("quality")
    assert quality.post(f"/actions/{action_b.id}/complete", data={"version": action_b.version}).status_code == 302
    db.session.expire_all()
    assert action_b.updates[-1].text == "Marked as completed."


def test_a_lead_may_not_touch_another_departments_action(client_of, lead_a, action_b):
    lead = client_of(lead_a)
    before = state(action_b)
    marker = last_event_id()
    assert lead.post(f"/actions/{action_b.id}/updates", data=update_form(action_b)).status_code == 403
    assert lead.post(f"/actions/{action_b.id}/complete", data={"version": action_b.version}).status_code == 403
    assert state(action_b) == before
    assert events_since(marker) == []


def test_guessing_ids_reaches_no_action_outside_the_leads_departments(client_of, lead_a):
    lead = client_of(lead_a)
    others = db.session.scalars(
        select(Action).where((Action.department_id != department("R1HKH", "urgent").id) | Action.department_id.is_(None))
    ).all()
    assert len(others) >= 5 and any(a.department_id is None for a in others)
    updates, marker = update_count(), last_event_id()
    for action in others:
        assert lead.post(f"/actions/{action.id}/updates", data=update_form(action)).status_code == 403
        assert lead.post(f"/actions/{action.id}/complete", data={"version": action.version}).status_code == 403
    assert update_count() == updates
    assert events_since(marker) == []


def test_fields_the_form_does_not_have_change_nothing(client_of, lead_a, action_a, action_b, make_user):
    lead = client_of(lead_a)
    other = make_user("quality")
    before = state(action_a)
    tampered = {
        "department_id": action_b.department_id, "owner_id": other.id, "hospital_id": 1,
        "status": "verified", "new_status": "verified", "title": "Hijacked", "priority": "low",
        "original_due_on": "2030-01-01", "due_on": "2030-01-01", "completed_on": "2020-01-01",
        "author_id": other.id, "action_id": action_b.id,
    }
    response = lead.post(f"/actions/{action_a.id}/updates", data=update_form(action_a, **tampered))
    assert response.status_code == 302
    assert state(action_a) == before | {"updates": before["updates"] + 1}
    db.session.expire_all()
    assert action_a.updates[-1].author_id == lead_a.id
    assert action_a.updates[-1].status_to is None

    response = lead.post(f"/actions/{action_a.id}/complete", data={"version": action_a.version, **tampered, "status": "cancelled"})
    assert response.status_code == 302
    after = state(action_a)
    assert after["status"] == "completed"
    assert {k: after[k] for k in ("department_id", "owner_id", "hospital_id", "title", "priority", "original_due_on")} == {
        k: before[k] for k in ("department_id", "owner_id", "hospital_id", "title", "priority", "original_due_on")
    }


@pytest.mark.parametrize("version", ["999", "", "0", "abc", "-1"])
def test_a_forged_or_missing_version_is_refused_as_stale(client_of, lead_a, action_a, version):
    lead = client_of(lead_a)
    before = state(action_a)
    marker = last_event_id()
    assert lead.post(f"/actions/{action_a.id}/updates", data=update_form(action_a, version=version)).status_code == 409
    assert lead.post(f"/actions/{action_a.id}/complete", data={"version": version}).status_code == 409
    assert state(action_a) == before
    assert events_since(marker) == []


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_viewer_and_admin_may_not_post_updates_or_complete(client_as, action_a, role):
    client = client_as(role)
    before = state(action_a)
    assert client.post(f"/actions/{action_a.id}/updates", data=update_form(action_a)).status_code == 403
    assert client.post(f"/actions/{action_a.id}/complete", data={"version": action_a.version}).status_code == 403
    assert state(action_a) == before


def test_quality_may_update_and_complete_any_action(client_as, demo):
    quality = client_as("quality")
    for title in (ACTION_A, ACTION_B, HOSPITAL_WIDE):
        action = titled(title)
        assert quality.post(f"/actions/{action.id}/updates", data=update_form(action)).status_code == 302
        assert quality.post(f"/actions/{action.id}/complete", data={"version": action.version}).status_code == 302
        db.session.expire_all()
        assert action.status == "completed"


def test_a_stale_form_is_refused_with_the_current_values_and_the_unsaved_text(client_of, lead_a, action_a, make_user):
    lead = client_of(lead_a)
    opened_on = action_a.version
    # Meanwhile the quality team moves the due date, which changes the action's version.
    post_update(action_a, author=make_user("quality"), text="Moved at the board's request.",
                new_due_on=date(2027, 6, 30), due_change_reason="Board decision.")
    db.session.commit()
    before = state(action_a)
    assert before["version"] != opened_on
    marker = last_event_id()
    response = lead.post(f"/actions/{action_a.id}/updates", data=update_form(
        action_a, version=opened_on, text="My careful update.", percent_complete="70",
    ))
    assert response.status_code == 409
    text = page_text(response.text)
    assert "Someone else changed this action" in text
    assert "Your input was not saved Progress update My careful update. Percent complete (optional) 70" in text
    # What changed since the form was opened, from the audit trail.
    assert "Due date: 31 January 2027 → 30 June 2027" in text
    assert "Due date 30 June 2027" in text  # the current values
    assert f'name="version" type="hidden" value="{before["version"]}"' in response.text
    assert state(action_a) == before
    assert events_since(marker) == []

    response = lead.post(f"/actions/{action_a.id}/complete", data={"version": opened_on})
    assert response.status_code == 409
    assert state(action_a) == before


def test_a_new_due_date_needs_a_reason(client_of, lead_a, action_a):
    lead = client_of(lead_a)
    before = state(action_a)
    response = lead.post(f"/actions/{action_a.id}/updates", data=update_form(action_a, new_due_on="2027-05-01"))
    assert response.status_code == 400
    text = page_text(response.text)
    assert "Give a reason for changing the due date." in text
    assert 'href="#due_change_reason"' in response.text
    assert 'id="due_change_reason-error"' in response.text
    assert "Audit of 50 records: 46 complete." in response.text  # what was typed is kept
    assert state(action_a) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"percent_complete": "101"}, "percent_complete", "Percent complete must be a whole number from 0 to 100."),
        ({"percent_complete": "-1"}, "percent_complete", "Percent complete must be a whole number from 0 to 100."),
        ({"percent_complete": "forty"}, "percent_complete", "Percent complete must be a whole number from 0 to 100, like 40."),
        ({"new_due_on": "31/12/2027", "due_change_reason": "x"}, "new_due_on", "Enter the new due date as a real date"),
        ({"text": "  "}, "text", "Enter the progress update."),
        # The current due date (2027-01-31) as the "new" one would count as a slip.
        ({"new_due_on": "2027-01-31", "due_change_reason": "x"}, "new_due_on", "The due date is already 31 January 2027."),
    ],
)
def test_bad_input_is_refused_with_the_fields_message(client_of, lead_a, action_a, fields, field, message):
    lead = client_of(lead_a)
    before = state(action_a)
    marker = last_event_id()
    response = lead.post(f"/actions/{action_a.id}/updates", data=update_form(action_a, **fields))
    assert response.status_code == 400
    assert message in page_text(response.text)
    assert f'href="#{field}"' in response.text
    assert "<title>Error: " in response.text
    assert state(action_a) == before
    assert events_since(marker) == []


def test_a_finished_action_takes_no_more_updates(client_as, demo):
    quality = client_as("quality")
    verified = titled(VERIFIED)
    before = state(verified)
    response = quality.post(f"/actions/{verified.id}/updates", data=update_form(verified))
    assert response.status_code == 400
    assert "This action is verified closed, so progress can no longer be posted to it." in page_text(response.text)
    assert quality.post(f"/actions/{verified.id}/complete", data={"version": verified.version}).status_code == 400
    assert state(verified) == before


# -- Archiving and restoring an action ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["quality", "admin"])
def test_archive_and_restore_an_action(client_of, make_user, lead_a, action_a, role):
    user = make_user(role)
    client = client_of(user)
    marker = last_event_id()
    response = client.post(f"/actions/{action_a.id}/archive", data={"reason": "Raised twice."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/actions/{action_a.id}")
    db.session.expire_all()
    assert action_a.is_archived
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("archive", "actions", action_a.id, user.id)
    assert ARCHIVE_FIELDS <= set(event.changes) <= ARCHIVE_FIELDS | {"version"}
    assert event.changes["archived_by_id"] == [None, user.id]
    assert event.changes["archive_reason"] == [None, "Raised twice."]

    text = page_text(client.get(f"/actions/{action_a.id}").text)
    assert "The action has been archived." in text
    assert "This action is archived" in text and f"Archived by {user.name} on" in text and "Raised twice." in text
    assert "Restore this action" in text

    # While archived, the lead sees no form and cannot post.
    lead = client_of(lead_a)
    assert "Post a progress update" not in page_text(lead.get(f"/actions/{action_a.id}").text)
    before = state(action_a)
    response = lead.post(f"/actions/{action_a.id}/updates", data=update_form(action_a))
    assert response.status_code == 400
    assert "This action is archived" in page_text(response.text)
    assert state(action_a) == before

    marker = last_event_id()
    assert client.post(f"/actions/{action_a.id}/restore").status_code == 302
    db.session.expire_all()
    assert not action_a.is_archived
    [event] = events_since(marker)
    assert (event.action, event.record_id, event.user_id) == ("restore", action_a.id, user.id)
    assert event.changes["archive_reason"] == ["Raised twice.", None]


@pytest.mark.parametrize("role", ["lead", "viewer"])
def test_lead_and_viewer_may_not_archive_or_restore_an_action(client_as, client_of, lead_a, action_a, role):
    # A lead of the action's own department may update it, but not archive it.
    client = client_of(lead_a) if role == "lead" else client_as(role)
    marker = last_event_id()
    assert client.post(f"/actions/{action_a.id}/archive", data={"reason": "No."}).status_code == 403
    client_as("quality").post(f"/actions/{action_a.id}/archive", data={"reason": "Duplicate."})
    marker = last_event_id()
    assert client.post(f"/actions/{action_a.id}/restore").status_code == 403
    db.session.expire_all()
    assert action_a.is_archived and action_a.archive_reason == "Duplicate."
    assert events_since(marker) == []


def test_archiving_an_action_needs_a_reason_and_restore_needs_an_archived_action(client_as, action_a):
    quality = client_as("quality")
    before = state(action_a)
    marker = last_event_id()
    response = quality.post(f"/actions/{action_a.id}/archive", data={"reason": ""})
    assert response.status_code == 400
    assert "Enter why this record is being archived." in page_text(response.text)
    assert f'href="#action-{action_a.id}-reason"' in response.text
    response = quality.post(f"/actions/{action_a.id}/restore")
    assert response.status_code == 400
    assert "This record is not archived." in page_text(response.text)
    assert state(action_a) == before
    assert events_since(marker) == []

    quality.post(f"/actions/{action_a.id}/archive", data={"reason": "First."})
    response = quality.post(f"/actions/{action_a.id}/archive", data={"reason": "Second."})
    assert response.status_code == 400
    assert "This record is already archived." in page_text(response.text)
