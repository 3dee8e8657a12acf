"""Evidence on the action page: uploading a document or a new version of one (the earlier
versions stay listed and downloadable), evidence with a progress update, downloading it as an
attachment under its safe name, and the refusals: too big (413), a type disguised by its
extension, path tricks in the name, a lead of another department, a stale form, a closed action."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.actions.models import Evidence
from app.audit.models import AuditEvent
from app.demo.documents import pdf, png
from app.extensions import db
from app.files.models import StoredFile
from app.files.services import path_of
from tests.support import department, page_text, titled

IN_PROGRESS = "Complete and audit mental health risk assessments in the emergency department"  # A&E
VERIFIED = "Introduce rapid assessment and triage at the emergency department front door"  # A&E, with evidence
COMPLETED = "Audit the maternity triage telephone line quarterly"








def counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(Evidence.id))), db.session.scalar(select(func.count(StoredFile.id))),
            db.session.scalar(select(func.count(AuditEvent.id))))


def post_file(client, action, content: bytes, filename: str, **fields):  # type: ignore[no-untyped-def]
    data = {"version": str(action.version), "file": (io.BytesIO(content), filename), **fields}
    return client.post(f"/actions/{action.id}/evidence", data=data, content_type="multipart/form-data")


@pytest.fixture
def ae_lead(client_as, demo):  # type: ignore[no-untyped-def]
    return client_as("lead", departments=[department("R1HKH", "urgent")])


def test_a_lead_uploads_evidence_and_then_a_new_version(ae_lead, app):
    action = titled(IN_PROGRESS)
    response = post_file(ae_lead, action, pdf("May audit"), "MH audit May.pdf", title="Mental health risk audit")
    assert response.status_code == 302 and response.headers["Location"].endswith("#evidence")
    action = titled(IN_PROGRESS)
    [first] = action.evidence
    assert (first.title, first.file.original_filename, first.version_number) == ("Mental health risk audit", "MH audit May.pdf", 1)
    text = page_text(ae_lead.get(f"/actions/{action.id}").text)
    assert "\u201cMental health risk audit\u201d has been uploaded." in text
    assert "Mental health risk audit MH audit May.pdf" in text

    response = post_file(ae_lead, action, png(), "audit-june.png", replaces=str(first.id))
    assert response.status_code == 302
    action = titled(IN_PROGRESS)
    second = action.evidence[-1]
    assert (second.title, second.version_number, second.replaces_id) == ("Mental health risk audit", 2, first.id)
    html = ae_lead.get(f"/actions/{action.id}").text
    text = page_text(html)
    assert "Version 2 of \u201cMental health risk audit\u201d has been uploaded. The earlier versions are kept." in text
    assert "Earlier versions of Mental health risk audit (1)" in text
    for evidence in (first, second):
        assert f'href="/actions/{action.id}/evidence/{evidence.id}"' in html
        download = ae_lead.get(f"/actions/{action.id}/evidence/{evidence.id}")
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["Cache-Control"] == "no-store"
    assert ae_lead.get(f"/actions/{action.id}/evidence/{second.id}").mimetype == "image/png"


def test_evidence_with_a_progress_update(ae_lead):
    action = titled(IN_PROGRESS)
    response = ae_lead.post(f"/actions/{action.id}/updates", data={
        "version": str(action.version), "text": "June audit attached.",
        "evidence_file": (io.BytesIO(pdf("June")), "june.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    action = titled(IN_PROGRESS)
    [evidence] = action.updates[-1].evidence
    text = page_text(ae_lead.get(f"/actions/{action.id}").text)
    assert "June audit attached. Evidence: june.pdf" in text


@pytest.mark.parametrize("role", ["admin", "quality", "lead", "viewer"])
def test_every_role_that_reads_the_action_downloads_its_evidence(client_as, demo, role):
    action = titled(VERIFIED)
    departments = [department("R1HKH", "npimaternity")] if role == "lead" else ()
    client = client_as(role, departments=departments)
    for evidence in action.evidence:
        response = client.get(f"/actions/{action.id}/evidence/{evidence.id}")
        assert response.status_code == 200
        assert response.data == path_of(evidence.file).read_bytes()
        assert response.headers["Content-Disposition"] == f"attachment; filename={evidence.file.original_filename}"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_evidence_is_reached_only_through_its_own_action(client_as, demo):
    viewer = client_as("viewer")
    verified, other = titled(VERIFIED), titled(IN_PROGRESS)
    evidence = verified.evidence[0]
    assert viewer.get(f"/actions/{other.id}/evidence/{evidence.id}").status_code == 404
    assert viewer.get(f"/actions/{verified.id}/evidence/999999").status_code == 404
    assert client_as("viewer").get(f"/actions/999999/evidence/{evidence.id}").status_code == 404
    anonymous = viewer.application.test_client()
    response = anonymous.get(f"/actions/{verified.id}/evidence/{evidence.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "audit.pdf", "The file is not a PDF: its content is a web page (HTML)."),
        (b"MZ\x90\x00" + b"\x00" * 60, "chart.png", "The file is not a PNG image: its content is a Windows program."),
        (b"\x7fELF\x02\x01" + b"\x00" * 60, "figures.csv", "The file is not a CSV file: its content is a program."),
        (pdf(), "audit.html", "The selected file must be a PDF"),
    ],
)
def test_a_file_disguised_by_its_extension_is_refused_with_a_message_at_the_field(ae_lead, content, filename, message):
    action = titled(IN_PROGRESS)
    before = counts()
    response = post_file(ae_lead, action, content, filename, title="My title")
    assert response.status_code == 400
    assert message in page_text(response.text)
    assert 'href="#evidence-file"' in response.text and 'id="evidence-file-error"' in response.text
    assert 'value="My title"' in response.text  # what was typed is kept; the file must be chosen again
    assert counts() == before


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("../../../etc/passwd.pdf", "passwd.pdf"), ("/tmp/.hidden.pdf", "hidden.pdf"),
     ("report\x00.exe.pdf", "report.exe.pdf"),
     # HTTP unquotes the backslashes before the app sees the name; whatever arrives has no path.
     ("..\\..\\windows\\win.ini.pdf", None)],
)
def test_path_tricks_in_the_name_never_reach_the_disk(ae_lead, app, sent, kept):
    action = titled(IN_PROGRESS)
    assert post_file(ae_lead, action, pdf(), sent).status_code == 302
    evidence = titled(IN_PROGRESS).evidence[-1]
    name = evidence.file.original_filename
    assert name == kept if kept else ("/" not in name and "\\" not in name and not name.startswith("."))
    path = path_of(evidence.file)
    assert path.parent == Path(app.config["UPLOAD_FOLDER"])
    assert re.fullmatch(r"[0-9a-f]{32}", path.name)


def test_a_file_over_the_limit_gets_the_413_page_naming_the_limit(ae_lead, app):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    action = titled(IN_PROGRESS)
    before = counts()
    response = post_file(ae_lead, action, pdf("x" * 100_000), "huge.pdf")
    assert response.status_code == 413
    text = page_text(response.text)
    assert "The file is too large" in text
    assert "The upload is larger than the limit of 64 KB. Nothing was saved, not even the text you typed with the file." in text
    assert counts() == before


def test_no_file_chosen_says_so(ae_lead):
    action = titled(IN_PROGRESS)
    response = ae_lead.post(f"/actions/{action.id}/evidence", data={"version": str(action.version)})
    assert response.status_code == 400
    assert "Select a file." in page_text(response.text)


def test_a_lead_of_another_department_cannot_add_evidence(client_as, demo):
    lead = client_as("lead", departments=[department("R1HKH", "npimaternity")])
    action = titled(IN_PROGRESS)
    before = counts()
    assert post_file(lead, action, pdf(), "x.pdf").status_code == 403
    assert "Add evidence" not in page_text(lead.get(f"/actions/{action.id}").text)
    assert counts() == before


def test_a_stale_evidence_form_is_409_and_stores_nothing(ae_lead, client_as):
    action = titled(IN_PROGRESS)
    opened_on = action.version
    quality = client_as("quality")
    assert quality.post(f"/actions/{action.id}/updates", data={
        "version": opened_on, "text": "Board asked for weekly audits.", "new_due_on": "2027-04-30",
        "due_change_reason": "Weekly audits need longer.",
    }).status_code == 302
    before = counts()
    action = titled(IN_PROGRESS)
    response = post_file(ae_lead, action, pdf(), "audit.pdf", title="Weekly audit", version=str(opened_on))
    assert response.status_code == 409
    text = page_text(response.text)
    assert "Someone else changed this action" in text
    assert "Weekly audit" in text[text.index("Your input was not saved"):]
    assert "The file you chose, audit.pdf, was not uploaded. Choose it again to send it." in text
    assert counts() == before


def test_evidence_can_follow_completion_but_not_closure(ae_lead, client_as, demo):
    lead = client_as("lead", departments=[department("R1HKH", "npimaternity")])
    completed = titled(COMPLETED)
    assert "Add evidence" in page_text(lead.get(f"/actions/{completed.id}").text)
    assert post_file(lead, completed, pdf(), "q3-audit.pdf").status_code == 302
    verified = titled(VERIFIED)
    before = counts()
    response = post_file(ae_lead, verified, pdf(), "late.pdf")
    assert response.status_code == 400
    assert "This action is verified closed, so evidence can no longer be added to it." in page_text(response.text)
    assert counts() == before
