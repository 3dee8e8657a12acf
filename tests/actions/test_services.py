"""The action services on both databases: raising and editing actions (who may own one, which
findings it may answer, every change audited), the status workflow with its audit events, the
implicit start, and evidence with its versions and refusals. Nothing is half saved."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.actions import services
from app.actions.models import Action, ActionUpdate, Evidence
from app.audit.models import AuditEvent
from app.demo.documents import pdf, png
from app.errors import ValidationError
from app.extensions import db
from app.files.models import StoredFile
from app.files.services import path_of
from app.inspections.models import Finding
from app.organisations.models import Hospital
from tests.support import department


def hospital(code: str) -> Hospital:
    return db.session.scalar(select(Hospital).where(Hospital.ods_code == code))


def events_since(marker: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > marker).order_by(AuditEvent.id)))


def last_event() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def upload(content: bytes, filename: str) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=filename)


@pytest.fixture
def people(demo, make_user):  # type: ignore[no-untyped-def]
    return {
        "quality": make_user("quality", name="Quinn Quality"),
        "lead": make_user("lead", name="Lee Lead", departments=[department("R1HKH", "urgent")]),
        "other_lead": make_user("lead", name="Olu Other", departments=[department("R1HKH", "npimaternity")]),
        "viewer": make_user("viewer", name="Vic Viewer"),
    }


@pytest.fixture
def action(people) -> Action:  # type: ignore[no-untyped-def]
    made = services.create_action(
        hospital=hospital("R1HKH"), department=department("R1HKH", "urgent"), owner=people["lead"],
        title="Audit triage times monthly", due_on=date.today() + timedelta(days=30),
        actor=people["quality"],
    )
    db.session.commit()
    return made


# -- Raising and editing ---------------------------------------------------------------------------


def test_raising_an_action_records_its_findings_in_the_audit_event(people):
    finding = db.session.scalar(select(Finding).where(Finding.text.like("Ensure every patient arriving%")))
    marker = last_event()
    made = services.create_action(
        hospital=hospital("R1HKH"), department=department("R1HKH", "urgent"), owner=people["lead"],
        title="  Triage audit  ", due_on=date(2027, 5, 1), findings=[finding], actor=people["quality"],
    )
    db.session.commit()
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("create", "actions", made.id, people["quality"].id)
    assert event.changes["finding_ids"] == [None, [finding.id]]
    assert event.changes["title"] == [None, "Triage audit"]
    assert (made.status, made.original_due_on, made.due_on) == ("open", date(2027, 5, 1), date(2027, 5, 1))


@pytest.mark.parametrize(
    ("owner_key", "service", "field", "message"),
    [
        ("other_lead", "urgent", "owner", "Olu Other leads other departments and could not post progress"),
        ("lead", None, "owner", "Lee Lead leads other departments"),
        ("viewer", "urgent", "owner", "Vic Viewer cannot own actions"),
    ],
)
def test_an_owner_must_be_able_to_report_on_the_action(people, owner_key, service, field, message):
    before = db.session.scalar(select(func.count(Action.id)))
    with pytest.raises(ValidationError) as refused:
        services.create_action(
            hospital=hospital("R1HKH"), department=department("R1HKH", service) if service else None,
            owner=people[owner_key], title="x", due_on=date(2027, 1, 1),
        )
    assert message in refused.value.errors[field]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Action.id))) == before


def test_an_action_answers_only_findings_and_incidents_of_its_own_hospital_and_trust(people):
    other_hospitals_finding = db.session.scalar(select(Finding).where(Finding.text.like("Complete the five steps%")))
    assert other_hospitals_finding.inspection.hospital.ods_code == "R1H12"
    with pytest.raises(ValidationError) as refused:
        services.create_action(
            hospital=hospital("R1HKH"), owner=people["quality"], title="x", due_on=date(2027, 1, 1),
            findings=[other_hospitals_finding],
        )
    assert refused.value.errors == {"findings": f"Finding {other_hospitals_finding.id} is from an inspection of another hospital."}


def test_editing_changes_the_details_with_one_audit_event_and_a_new_version(people, action):
    finding = db.session.scalar(select(Finding).where(Finding.text.like("Ensure mental health%")))
    version = action.version
    marker = last_event()
    services.edit_action(
        action, title="Audit triage times weekly", description="Weekly from January.",
        department=department("R1HKH", "urgent"), owner=people["quality"], priority="high",
        findings=[finding], actor=people["quality"],
    )
    db.session.commit()
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id) == ("update", "actions", action.id)
    assert event.changes["title"] == ["Audit triage times monthly", "Audit triage times weekly"]
    assert event.changes["owner_id"] == [people["lead"].id, people["quality"].id]
    assert event.changes["priority"] == ["medium", "high"]
    assert event.changes["finding_ids"] == [[], [finding.id]]
    assert action.version > version
    # The due date is not among the things an edit can change.
    assert "due_on" not in event.changes


def test_changing_only_the_findings_still_makes_a_new_version(people, action):
    finding = db.session.scalar(select(Finding).where(Finding.text.like("Ensure mental health%")))
    version = action.version
    marker = last_event()
    services.edit_action(
        action, title=action.title, description=action.description, department=action.department,
        owner=action.owner, priority=action.priority, findings=[finding], actor=people["quality"],
    )
    db.session.commit()
    [event] = events_since(marker)
    assert set(event.changes) == {"finding_ids", "version"}
    assert action.version == version + 1


def test_an_edit_that_changes_nothing_writes_no_event(people, action):
    marker = last_event()
    services.edit_action(
        action, title=action.title, description=action.description, department=action.department,
        owner=action.owner, priority=action.priority, findings=[], actor=people["quality"],
    )
    db.session.commit()
    assert events_since(marker) == []


# -- The workflow ----------------------------------------------------------------------------------


def test_the_whole_workflow_each_step_an_update_with_its_audit_events(people, action):
    steps = [
        ("start", people["lead"], "", "open", "in_progress", "Work started."),
        ("complete", people["lead"], "Audit attached.", "in_progress", "completed", "Marked as completed. Audit attached."),
        ("send_back", people["quality"], "Needs the night shifts too.", "completed", "in_progress", "Sent back for more work. Needs the night shifts too."),
        ("complete", people["lead"], "", "in_progress", "completed", "Marked as completed."),
        ("verify", people["quality"], "Checked the audit.", "completed", "verified", "Verified closed. Checked the audit."),
    ]
    for change, actor, text, before, after, timeline_text in steps:
        marker = last_event()
        update = services.change_status(action, change, actor=actor, text=text)
        db.session.commit()
        assert (update.status_from, update.status_to, update.text, update.author_id) == (before, after, timeline_text, actor.id)
        created, changed = events_since(marker)
        assert (created.action, created.record_kind, created.record_id, created.user_id) == ("create", "action_updates", update.id, actor.id)
        assert (changed.action, changed.record_kind, changed.user_id) == ("update", "actions", actor.id)
        assert changed.changes["status"] == [before, after]
    assert action.status == "verified" and action.verified_on == date.today() and action.completed_on == date.today()
    # Sending back cleared the completion date until the second completion.
    sent_back = next(e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.record_kind == "actions", AuditEvent.record_id == action.id))
                     if (e.changes.get("status") or [None])[0] == "completed" and e.changes["status"][1] == "in_progress")
    assert sent_back.changes["completed_on"] == [date.today().isoformat(), None]


def test_cancelling_needs_a_reason_and_keeps_it(people, action):
    with pytest.raises(ValidationError) as refused:
        services.change_status(action, "cancel", actor=people["quality"], text="  ")
    assert refused.value.errors == {"reason": "Give a reason for cancelling the action."}
    db.session.rollback()
    services.change_status(action, "cancel", actor=people["quality"], text="Duplicate of the trust-wide audit.")
    db.session.commit()
    assert (action.status, action.cancel_reason) == ("cancelled", "Duplicate of the trust-wide audit.")
    assert action.updates[-1].text == "Cancelled. Duplicate of the trust-wide audit."


def test_sending_back_needs_a_comment(people, action):
    services.change_status(action, "complete", actor=people["lead"])
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        services.change_status(action, "send_back", actor=people["quality"], text="")
    assert refused.value.errors == {"comment": "Say what still needs doing before the action is sent back."}


@pytest.mark.parametrize(
    ("path", "change", "message"),
    [
        ([], "verify", "This action is open, so it cannot be verified closed."),
        ([], "send_back", "This action is open, so it cannot be sent back."),
        (["complete"], "cancel", "This action is completed (awaiting verification), so it cannot be cancelled."),
        (["complete", "verify"], "start", "This action is verified closed, so it cannot be in progress."),
        (["start"], "start", "This action is in progress, so it cannot be in progress."),
    ],
)
def test_changes_the_workflow_does_not_allow(people, action, path, change, message):
    for step in path:
        services.change_status(action, step, actor=people["quality"], text="x")
    db.session.commit()
    updates, marker = len(action.updates), last_event()
    with pytest.raises(ValidationError) as refused:
        services.change_status(action, change, actor=people["quality"], text="a reason")
    assert refused.value.errors == {"status": message}
    db.session.rollback()
    assert len(action.updates) == updates and events_since(marker) == []


@pytest.mark.parametrize(("author", "starts"), [("lead", True), ("owner_quality", True), ("quality", False)])
def test_the_first_progress_from_the_owner_or_a_lead_starts_an_open_action(people, make_user, author, starts):
    owner = make_user("quality", name="Owner Quality")
    made = services.create_action(hospital=hospital("R1HKH"), department=department("R1HKH", "urgent"),
                                  owner=owner, title="x", due_on=date(2027, 1, 1))
    db.session.commit()
    who = {"lead": people["lead"], "owner_quality": owner, "quality": people["quality"]}[author]
    update = services.post_update(made, author=who, text="Chased" if author == "quality" else "Begun")
    db.session.commit()
    assert made.status == ("in_progress" if starts else "open")
    assert (update.status_from, update.status_to) == (("open", "in_progress") if starts else (None, None))


# -- Evidence --------------------------------------------------------------------------------------


def test_evidence_is_stored_under_a_random_name_with_its_audit_events(people, action):
    marker = last_event()
    evidence = services.add_evidence(action, upload(pdf("Audit"), "../../etc/Triage audit.pdf"), actor=people["lead"])
    db.session.commit()
    stored = evidence.file
    assert (evidence.title, evidence.version_number, evidence.replaces_id) == ("Triage audit", 1, None)
    assert stored.original_filename == "Triage audit.pdf" and stored.content_type == "application/pdf"
    assert path_of(stored).read_bytes() == pdf("Audit") and path_of(stored).name == stored.storage_key
    file_event, evidence_event = events_since(marker)
    assert (file_event.action, file_event.record_kind, file_event.record_id) == ("create", "stored_files", stored.id)
    assert (evidence_event.action, evidence_event.record_kind, evidence_event.record_id, evidence_event.user_id) == (
        "create", "evidence", evidence.id, people["lead"].id)
    assert evidence_event.changes["file_id"] == [None, stored.id]


def test_a_new_version_keeps_the_earlier_ones(people, action):
    first = services.add_evidence(action, upload(pdf("v1"), "audit-v1.pdf"), actor=people["lead"], title="Triage audit")
    db.session.commit()
    second = services.add_evidence(action, upload(png(), "audit-photo.png"), actor=people["lead"], replaces=first)
    db.session.commit()
    third = services.add_evidence(action, upload(pdf("v3"), "audit-v3.pdf"), actor=people["quality"], replaces=second)
    other = services.add_evidence(action, upload(pdf("rota"), "rota.pdf"), actor=people["quality"])
    db.session.commit()
    assert (second.title, second.version_number, third.version_number) == ("Triage audit", 2, 3)
    documents = services.documents(action)
    assert [(d.title, d.current.id, [e.id for e in d.earlier]) for d in documents] == [
        ("rota", other.id, []), ("Triage audit", third.id, [second.id, first.id]),
    ]
    assert all(path_of(e.file).is_file() for e in (first, second, third))


def test_a_version_already_replaced_cannot_be_replaced_again(people, action):
    first = services.add_evidence(action, upload(pdf("v1"), "audit.pdf"), actor=people["lead"])
    services.add_evidence(action, upload(pdf("v2"), "audit.pdf"), actor=people["lead"], replaces=first)
    db.session.commit()
    files_before = db.session.scalar(select(func.count(StoredFile.id)))
    with pytest.raises(ValidationError) as refused:
        services.add_evidence(action, upload(pdf("v2 again"), "audit.pdf"), actor=people["quality"], replaces=first)
    assert "A newer version of \u201caudit\u201d has been uploaded since you opened the page." in refused.value.errors["replaces"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(StoredFile.id))) == files_before


def test_a_document_of_another_action_cannot_be_replaced(people, action, demo):
    theirs = db.session.scalar(select(Evidence).where(Evidence.action_id != action.id))
    with pytest.raises(ValidationError) as refused:
        services.add_evidence(action, upload(pdf(), "a.pdf"), actor=people["quality"], replaces=theirs)
    assert refused.value.errors == {"replaces": "Choose a document of this action."}


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "minutes.pdf", "The file is not a PDF: its content is a web page (HTML)."),
        (b"MZ\x90\x00" + b"\x00" * 60, "photo.png", "The file is not a PNG image: its content is a Windows program."),
        (pdf(), "report.pdf.exe", "The selected file must be a PDF, a PNG image, a JPEG image, a GIF image, a Word document, an Excel spreadsheet, a PowerPoint presentation or a CSV file."),
        (pdf(), "notes.txt", "The selected file must be a PDF"),
        (b"", "empty.pdf", "The selected file is empty."),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_and_nothing_is_stored(people, action, uploads_folder, content, filename, message):
    files_before = db.session.scalar(select(func.count(StoredFile.id)))
    on_disk = sorted(uploads_folder.iterdir())  # the demo's evidence
    with pytest.raises(ValidationError) as refused:
        services.add_evidence(action, upload(content, filename), actor=people["lead"])
    assert message in refused.value.errors["file"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(StoredFile.id))) == files_before
    assert sorted(uploads_folder.iterdir()) == on_disk


def test_a_file_over_the_limit_is_refused_by_the_service_too(app, people, action):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    with pytest.raises(ValidationError) as refused:
        services.add_evidence(action, upload(pdf("x" * 2000), "big.pdf"), actor=people["lead"])
    assert refused.value.errors == {"file": "The selected file must be smaller than 1 KB."}


def test_evidence_on_a_progress_update_is_saved_with_it_or_not_at_all(people, action):
    update = services.post_update(action, author=people["lead"], text="Audit done",
                                  evidence=upload(pdf(), "audit.pdf"), evidence_title="Audit, May")
    db.session.commit()
    [evidence] = update.evidence
    assert (evidence.action_id, evidence.title) == (action.id, "Audit, May")
    updates = db.session.scalar(select(func.count(ActionUpdate.id)))
    with pytest.raises(ValidationError) as refused:
        services.post_update(action, author=people["lead"], text="More", evidence=upload(b"<html></html>", "x.pdf"))
    assert refused.value.errors == {"evidence_file": "The file is not a PDF: its content is a web page (HTML)."}
    db.session.rollback()
    assert db.session.scalar(select(func.count(ActionUpdate.id))) == updates


def test_demo_evidence_dates_follow_the_story(demo):
    triage = db.session.scalar(select(Action).where(Action.title.like("Introduce rapid assessment%")))
    [audit] = [d for d in services.documents(triage) if d.title == "Triage audit of 200 attendances"]
    assert audit.current.version_number == 2 and len(audit.earlier) == 1
    uploaded = audit.current.uploaded_at
    uploaded = uploaded if uploaded.tzinfo else uploaded.replace(tzinfo=timezone.utc)
    assert uploaded == datetime(2017, 8, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def uploads_folder(app):  # type: ignore[no-untyped-def]
    from pathlib import Path

    return Path(app.config["UPLOAD_FOLDER"])
