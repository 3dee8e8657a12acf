"""Raising an action (from a finding, or standalone for a hospital or an incident) and editing
its details: the quality team only; a lead can never reassign an action; a stale edit is 409."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.actions import services
from app.actions.models import Action, Incident
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.inspections.models import Finding
from tests.support import department, page_text, titled

IN_PROGRESS = "Complete and audit mental health risk assessments in the emergency department"  # A&E
DUE = (date.today() + timedelta(days=90)).isoformat()








def finding(start: str) -> Finding:
    return db.session.scalar(select(Finding).where(Finding.text.like(start + "%")))


def user(email_start: str) -> User:
    return db.session.scalar(select(User).where(User.email.like(email_start + "%")))


def last_event() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


@pytest.fixture
def quality(client_as, demo):  # type: ignore[no-untyped-def]
    return client_as("quality")


def test_raising_an_action_from_a_finding(quality):
    eol = finding("Ensure dying patients")
    url = f"/actions/new?finding={eol.id}"
    form = quality.get(url)
    assert form.status_code == 200
    html = form.text
    assert f'value="{eol.id}" checked' in html or re.search(rf'value="{eol.id}"[^>]*checked', html)
    assert re.search(rf'<option value="{eol.department_id}" selected', html)
    marker = last_event()
    owner = user("surgery-lead")
    response = quality.post(url, data={
        "title": "Weekly pain audit on every ward", "description": "", "department": str(eol.department_id),
        "owner": str(owner.id), "priority": "high", "due_on": DUE, "findings": [str(eol.id)], "incident": "",
    })
    assert response.status_code == 302
    made = titled("Weekly pain audit on every ward")
    assert (made.hospital.ods_code, made.department_id, made.owner_id, made.status, made.priority) == (
        "R1HKH", eol.department_id, owner.id, "open", "high")
    assert [f.id for f in made.findings] == [eol.id]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.id > marker)).all()
    assert (event.action, event.record_kind, event.record_id) == ("create", "actions", made.id)
    assert "Mr Daniel Webb owns it." in page_text(quality.get(response.headers["Location"]).text)


def test_raising_a_standalone_action_for_an_incident(quality):
    incident = db.session.scalar(select(Incident))
    response = quality.get(f"/actions/new?incident={incident.id}")
    assert response.status_code == 200
    assert "The Royal London Hospital" in page_text(response.text)
    response = quality.post(f"/actions/new?incident={incident.id}", data={
        "title": "Stock paper request forms for 24 hours of downtime", "department": "",
        "owner": str(user("quality@demo").id), "priority": "medium", "due_on": DUE, "incident": str(incident.id),
    })
    assert response.status_code == 302
    made = titled("Stock paper request forms for 24 hours of downtime")
    assert (made.incident_id, made.department_id, made.findings) == (incident.id, None, [])


def test_without_a_hospital_the_form_first_asks_for_one(quality):
    text = page_text(quality.get("/actions/new").text)
    assert "Raise an action" in text and "Choose a hospital" in text
    response = quality.get("/actions/new?hospital=NOPE")
    assert response.status_code == 400
    assert "There is no hospital with the code NOPE. Choose one from the list." in page_text(response.text)
    assert "Department" in page_text(quality.get("/actions/new?hospital=r1hkh").text)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title for the action."),
        ({"due_on": ""}, "due_on", "Enter the due date."),
        ({"due_on": "31/12/2027"}, "due_on", "The due date must be a real date in the format YYYY-MM-DD"),
        ({"due_on": "2020-01-01"}, "due_on", "The due date must be today or later."),
        ({"owner": ""}, "owner", "Choose who owns the action."),
        ({"priority": "urgent"}, "priority", "Choose the action's priority."),
        ({"department": "99999"}, "department", "Choose a department of the hospital, or none for the whole hospital."),
        ({"owner": "LEAD"}, "owner", "leads other departments and could not post progress on this action"),
    ],
)
def test_a_refused_new_action_names_the_field_and_saves_nothing(quality, fields, field, message):
    before = db.session.scalar(select(func.count(Action.id)))
    data = {"title": "Something", "department": str(department("R1HKH", "urgent").id),
            "owner": str(user("quality@demo").id), "priority": "low", "due_on": DUE} | fields
    if data["owner"] == "LEAD":
        data["owner"] = str(user("midwifery-lead").id)  # leads maternity, not A&E
    response = quality.post("/actions/new?hospital=R1HKH", data=data)
    assert response.status_code == 400
    text = page_text(response.text)
    assert message in text, text[text.find("There is a problem"):][:400]
    assert f'href="#{field}' in response.text
    assert db.session.scalar(select(func.count(Action.id))) == before


def test_quality_edits_an_action_and_the_change_is_audited(quality):
    action = titled(IN_PROGRESS)
    form = quality.get(f"/actions/{action.id}/edit")
    assert form.status_code == 200 and f'value="{action.version}"' in form.text
    marker = last_event()
    response = quality.post(f"/actions/{action.id}/edit", data={
        "version": str(action.version), "title": action.title + " monthly", "description": "Monthly audit.",
        "department": str(action.department_id), "owner": str(user("quality@demo").id), "priority": "medium",
        "findings": [str(f.id) for f in action.findings],
    })
    assert response.status_code == 302
    action = titled(IN_PROGRESS + " monthly")
    assert (action.owner.email, action.priority, action.description) == ("quality@demo.quality-ledger.test", "medium", "Monthly audit.")
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.id > marker)).all()
    assert set(event.changes) == {"title", "description", "owner_id", "priority", "version"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_lead_can_never_reach_the_edit_or_new_action_forms(client_as, demo, method):
    lead = client_as("lead", departments=[department("R1HKH", "urgent")])
    action = titled(IN_PROGRESS)
    before = (action.owner_id, action.department_id, action.version)
    marker = last_event()
    data = {"version": str(action.version), "title": "Mine now", "owner": str(user("midwifery-lead").id),
            "department": str(department("R1HKH", "npimaternity").id), "priority": "low"}
    assert getattr(lead, method)(f"/actions/{action.id}/edit", data=data).status_code == 403
    assert getattr(lead, method)("/actions/new?hospital=R1HKH", data=data | {"due_on": DUE}).status_code == 403
    action = titled(IN_PROGRESS)
    assert (action.owner_id, action.department_id, action.version) == before
    assert last_event() == marker


def test_a_stale_edit_is_409_with_the_current_values_and_the_users_input(quality, make_user):
    action = titled(IN_PROGRESS)
    opened_on = action.version
    services.post_update(action, author=make_user("quality", name="Quick Colleague"), text="Moved.",
                         new_due_on=date(2027, 6, 30), due_change_reason="Board decision.")
    services.edit_action(action, title=action.title, description="Changed meanwhile.", department=action.department,
                         owner=action.owner, priority="low", findings=action.findings)
    db.session.commit()
    current = titled(IN_PROGRESS)
    marker = last_event()
    response = quality.post(f"/actions/{action.id}/edit", data={
        "version": str(opened_on), "title": "My new title", "description": "My description",
        "department": str(action.department_id), "owner": str(action.owner_id), "priority": "high",
    })
    assert response.status_code == 409
    text = page_text(response.text)
    assert "Someone else changed this action" in text
    assert "The action as it is now" in text and "Description Changed meanwhile." in text
    assert "Due date: 31 January 2027 → 30 June 2027 (Quick Colleague," in text
    assert "Priority: High → Low" in text
    unsaved = text[text.index("Your input was not saved"):]
    assert "Title My new title" in unsaved and "Priority High" in unsaved
    assert 'value="My new title"' in response.text
    assert f'name="version" type="hidden" value="{current.version}"' in response.text
    assert titled(IN_PROGRESS).version == current.version and last_event() == marker
    # Sent again on the current version, it goes through.
    response = quality.post(f"/actions/{action.id}/edit", data={
        "version": str(current.version), "title": "My new title", "description": "My description",
        "department": str(action.department_id), "owner": str(action.owner_id), "priority": "high",
    })
    assert response.status_code == 302
