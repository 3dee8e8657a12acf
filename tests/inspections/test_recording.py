"""Recording an inspection through its pages: details and report document, correcting them,
publishing, findings and enforcement. Every refusal is a 400 with the message at its field and
nothing saved (no row, no audit event, no file on disk); only the quality team records."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.demo.documents import pdf
from app.extensions import db
from app.files.models import StoredFile
from app.inspections.grids import hospital_grid
from app.inspections.models import Enforcement, Finding, Inspection
from app.inspections.services import CellInput, record_ratings
from app.organisations.services import retire_department

WEB = "https://www.cqc.org.uk/location/R1HKH/reports"


PDF = pdf()  # a small valid one-page PDF (app/demo/documents.py)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48


@pytest.fixture(autouse=True)
def uploads(app, tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def place(trust, hospital, departments):
    """Barts Health, Whipps Cross and two of its departments, committed."""
    made = departments("urgent", "surgery")
    db.session.commit()
    return {"trust": trust, "hospital": hospital, **made}


@pytest.fixture
def quality(make_user):
    return make_user("quality")


@pytest.fixture
def as_quality(app, quality, login_as):
    return login_as(app.test_client(), quality)


def correct(client, inspection: Inspection, data: dict):  # type: ignore[no-untyped-def]
    """Post a correction of the inspection's details on its current version, as the edit page does."""
    db.session.expire_all()
    version = db.session.get(Inspection, inspection.id).version
    return client.post(f"/inspections/{inspection.id}/edit", data={**data, "version": str(version)})


def details(**changes) -> dict:
    data = {
        "hospital": "R1HKH",
        "source": "official",
        "inspection_type": "comprehensive",
        "notice": "unannounced",
        "visit_start": "2018-10-09",
        "visit_end": "2018-10-11",
        "published_on": "",
        "report_ref": "WX-2019",
        "report_url": WEB,
        "summary": "Requires improvement overall.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def with_file(data: dict, content: bytes = PDF, name: str = "CQC report.pdf") -> dict:
    return {**data, "report_file": (io.BytesIO(content), name, "application/pdf")}


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def files_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(marker: int) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > marker).order_by(AuditEvent.id)))


def grid_cells(hospital, official: bool = True) -> set[tuple[str | None, str, str]]:
    grid = hospital_grid(hospital, date.today(), official=official)
    return {(c["service"], c["key_question"], c["rating"]) for c in grid.as_json()["cells"]}


def options(html: str, name: str) -> dict[str, tuple[str, bool]]:
    """The options of the select named `name`: value -> (label, selected)."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {
        value: (" ".join(label.split()), bool(selected))
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?[^>]*>(.*?)</option>', select, re.S)
    }


def created(response) -> Inspection:
    assert response.status_code == 302, text_of(response.text)
    inspection_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    return db.session.get(Inspection, inspection_id)


def assert_refused(response, field: str, message: str) -> None:
    assert response.status_code == 400
    page = text_of(response.text)
    assert "There is a problem" in page
    assert message in page
    # The message sits at its field and the error summary links to it.
    assert f'href="#{field}"' in response.text
    assert re.search(rf'id="{field}-error"', response.text), f"no error message at {field}"


# -- Recording the details ---------------------------------------------------------------------


def test_the_form_offers_the_trusts_hospitals_and_a_trust_level_review(as_quality, place):
    page = as_quality.get("/inspections/new")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert options(page.text, "hospital") == {
        "": ("Choose a hospital", False),
        "R1HKH": ("Whipps Cross University Hospital", False),
        "trust:R1H": ("Trust-level review: Barts Health NHS Trust", False),
    }
    chosen = as_quality.get("/inspections/new?hospital=r1hkh")
    assert options(chosen.text, "hospital")["R1HKH"] == ("Whipps Cross University Hospital", True)


def test_a_link_naming_an_unknown_hospital_says_so(as_quality, place):
    response = as_quality.get("/inspections/new?hospital=ZZZ99")
    assert_refused(response, "hospital", "There is no hospital with the code ZZZ99. Choose one from the list.")


def test_recording_makes_a_draft_with_its_report_document(as_quality, place, quality, uploads):
    marker = last_event_id()
    response = as_quality.post("/inspections/new", data=with_file(details()))
    inspection = created(response)
    assert (inspection.status, inspection.source, inspection.hospital_id) == ("draft", "official", place["hospital"].id)
    assert (inspection.visit_start, inspection.visit_end, inspection.published_on) == (date(2018, 10, 9), date(2018, 10, 11), None)
    assert (inspection.report_ref, inspection.report_url, inspection.notice) == ("WX-2019", WEB, "unannounced")
    stored = inspection.report_file
    assert (stored.original_filename, stored.content_type, stored.size) == ("CQC report.pdf", "application/pdf", len(PDF))
    assert files_in(uploads) == [stored.storage_key]
    assert (uploads / stored.storage_key).read_bytes() == PDF
    file_event, inspection_event = events_since(marker)
    assert (file_event.action, file_event.record_kind, file_event.record_id) == ("create", "stored_files", stored.id)
    assert (inspection_event.action, inspection_event.record_kind) == ("create", "inspections")
    assert inspection_event.changes["report_file_id"] == [None, stored.id]
    assert {file_event.user_id, inspection_event.user_id} == {quality.id}
    page = as_quality.get(response.headers["Location"]).text
    assert "has been recorded as a draft" in page
    assert f'href="/files/{stored.id}"' in page


def test_a_trust_level_review_has_no_hospital(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=details(hospital="trust:R1H", inspection_type="well_led")))
    assert inspection.hospital_id is None
    assert inspection.trust_id == place["trust"].id
    assert inspection.report_file_id is None


@pytest.mark.parametrize(
    ("changes", "content", "filename", "field", "message"),
    [
        ({"visit_start": "2018-10-11", "visit_end": "2018-10-09"}, PDF, "report.pdf",
         "visit_end", "The visit cannot end before it starts."),
        ({"published_on": "2018-10-10"}, PDF, "report.pdf",
         "published_on", "The report cannot be published before the visit: the publication date must be on or "
                         "after the last day of the visit, 11 October 2018."),
        ({"report_url": "javascript:alert(1)"}, PDF, "report.pdf",
         "report_url", "Enter the link to the report as a web address starting with https:// or http://."),
        ({"report_url": "ftp://files.example.org/report.pdf"}, PDF, "report.pdf",
         "report_url", "Enter the link to the report as a web address starting with https:// or http://."),
        ({"report_url": "www.cqc.org.uk/location/R1HKH"}, PDF, "report.pdf",
         "report_url", "Enter the link to the report as a web address starting with https:// or http://."),
        ({"hospital": "ZZZ99"}, PDF, "report.pdf", "hospital", "Choose a hospital from the list."),
        ({"hospital": ""}, PDF, "report.pdf", "hospital", "Choose the hospital that was inspected, or trust-level review."),
        ({"inspection_type": None}, PDF, "report.pdf", "inspection_type", "Choose the type of inspection."),
        ({"source": "rumour"}, PDF, "report.pdf", "source", "Choose whether it was an official CQC inspection or an internal one."),
        ({"visit_start": "2018-02-30"}, PDF, "report.pdf",
         "visit_start", "The first day of the visit must be a real date in the format YYYY-MM-DD, for example 2024-03-17."),
        ({}, HTML, "report.pdf", "report_file", "The file is not a PDF: its content is a web page (HTML)."),
        ({}, EXE, "report.pdf", "report_file", "The file is not a PDF: its content is a Windows program."),
        ({}, PDF, "report.docx", "report_file", "The selected file must be a PDF."),
        ({}, b"", "report.pdf", "report_file", "The selected file is empty."),
    ],
)
def test_each_rule_refuses_the_form_and_saves_nothing(as_quality, place, uploads, changes, content, filename, field, message):
    marker = last_event_id()
    response = as_quality.post("/inspections/new", data=with_file(details(**changes), content, filename))
    assert_refused(response, field, message)
    assert count(Inspection) == 0
    assert count(StoredFile) == 0
    assert files_in(uploads) == []
    assert events_since(marker) == []
    # The input is kept (except the file, which a browser never fills in again).
    assert 'value="WX-2019"' in response.text
    assert "Requires improvement overall." in response.text


def test_every_problem_is_shown_at_once(as_quality, place, uploads):
    response = as_quality.post("/inspections/new", data=with_file(
        details(hospital="", inspection_type=None, visit_start="2018-10-11", visit_end="2018-10-09", report_url="javascript:x"), HTML,
    ))
    assert response.status_code == 400
    page = text_of(response.text)
    for message in ("Choose the hospital that was inspected", "Choose the type of inspection.", "The visit cannot end before it starts.",
                    "as a web address starting with https://", "The file is not a PDF: its content is a web page (HTML)."):
        assert message in page
    assert count(Inspection) == 0 and files_in(uploads) == []


def test_a_good_file_with_a_refused_form_is_not_kept_and_the_page_asks_for_it_again(as_quality, place, uploads):
    response = as_quality.post("/inspections/new", data=with_file(details(visit_end="2018-10-01")))
    assert response.status_code == 400
    assert "Choose the file again" in text_of(response.text)
    assert count(StoredFile) == 0 and files_in(uploads) == []


def test_an_upload_over_the_limit_gets_the_413_page_with_the_limit(app, as_quality, place, uploads):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = PDF + b"%" * (1024 * 1024)
    response = as_quality.post("/inspections/new", data=with_file(details(), big))
    assert response.status_code == 413
    page = text_of(response.text)
    assert "The file is too large" in page
    assert "The upload is larger than the limit of 1 MB." in page
    assert count(Inspection) == 0 and count(StoredFile) == 0 and files_in(uploads) == []


def test_a_file_written_before_a_failed_commit_is_removed(app, as_quality, place, uploads, monkeypatch):
    """The file is written inside the transaction: if the commit fails, it goes too."""
    from sqlalchemy.orm import Session

    def failing_commit(self):  # noqa: ARG001
        raise RuntimeError("database went away")

    monkeypatch.setattr(Session, "commit", failing_commit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = as_quality.post("/inspections/new", data=with_file(details()))
    assert response.status_code == 500
    monkeypatch.undo()
    db.session.rollback()
    assert files_in(uploads) == []
    assert count(StoredFile) == 0 and count(Inspection) == 0


# -- Publishing ----------------------------------------------------------------------------------


def _with_ratings(inspection: Inspection, place) -> Inspection:
    record_ratings(inspection, [CellInput("Safe", "Good", department=place["urgent"]), CellInput("Overall", "Good")])
    db.session.commit()
    return inspection


def test_a_draft_counts_in_the_official_grid_only_once_published(as_quality, place):
    marker = last_event_id()
    inspection = _with_ratings(created(as_quality.post("/inspections/new", data=details())), place)
    hospital = place["hospital"]
    assert grid_cells(hospital) == set()

    marker = last_event_id()
    response = as_quality.post(f"/inspections/{inspection.id}/publish", data={"published_on": "2019-02-01"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{inspection.id}")
    db.session.expire_all()
    assert (inspection.status, inspection.published_on) == ("published", date(2019, 2, 1))
    assert grid_cells(hospital) == {("urgent", "Safe", "Good"), (None, "Overall", "Good")}
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id) == ("update", "inspections", inspection.id)
    assert event.changes == {"status": ["draft", "published"], "published_on": [None, "2019-02-01"], "version": [1, 2]}
    page = as_quality.get(response.headers["Location"]).text
    assert "Its ratings count in the official grid from 1 February 2019." in text_of(page)
    assert 'id="publish"' not in page  # a published inspection has no Publish form


def test_the_draft_page_offers_the_publish_form_with_the_date_already_entered(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=details(published_on="2019-02-01")))
    page = as_quality.get(f"/inspections/{inspection.id}").text
    assert f'action="/inspections/{inspection.id}/publish"' in page
    assert 'name="published_on"' in page and 'value="2019-02-01"' in page


def test_a_mock_inspection_never_enters_the_official_grid(as_quality, place):
    inspection = _with_ratings(created(as_quality.post("/inspections/new", data=details(source="mock"))), place)
    response = as_quality.post(f"/inspections/{inspection.id}/publish", data={"published_on": "2019-02-01"})
    assert response.status_code == 302
    db.session.expire_all()
    assert inspection.status == "published"
    assert grid_cells(place["hospital"]) == set()
    assert grid_cells(place["hospital"], official=False) == {("urgent", "Safe", "Good"), (None, "Overall", "Good")}
    assert "never mixed into the official grid" in text_of(as_quality.get(response.headers["Location"]).text)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"published_on": ""}, "published_on", "Enter the publication date."),
        ({}, "published_on", "Enter the publication date."),
        ({"published_on": "1 Feb 2019"}, "published_on", "The publication date must be a real date in the format YYYY-MM-DD"),
        ({"published_on": "2018-10-10"}, "published_on", "the publication date must be on or after the last day of the visit, 11 October 2018."),
    ],
)
def test_publishing_is_refused_without_a_good_date(as_quality, place, data, field, message):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    marker = last_event_id()
    response = as_quality.post(f"/inspections/{inspection.id}/publish", data=data)
    assert_refused(response, field, message)
    db.session.expire_all()
    assert inspection.status == "draft" and inspection.published_on is None
    assert events_since(marker) == []


def test_publishing_twice_is_refused(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    assert as_quality.post(f"/inspections/{inspection.id}/publish", data={"published_on": "2019-02-01"}).status_code == 302
    marker = last_event_id()
    response = as_quality.post(f"/inspections/{inspection.id}/publish", data={"published_on": "2019-03-01"})
    assert response.status_code == 400
    assert "This inspection is already published, on 1 February 2019." in text_of(response.text)
    db.session.expire_all()
    assert inspection.published_on == date(2019, 2, 1)
    assert events_since(marker) == []


# -- Correcting the details ----------------------------------------------------------------------


def test_the_edit_form_shows_the_current_details(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=with_file(details())))
    page = as_quality.get(f"/inspections/{inspection.id}/edit").text
    assert options(page, "hospital")["R1HKH"][1]
    assert 'value="2018-10-09"' in page and 'value="WX-2019"' in page
    assert re.search(r'value="unannounced"\s+checked', page)
    assert "Choose a file only to replace the current document, CQC report.pdf" in text_of(page)


def test_a_correction_made_on_an_older_version_is_refused_and_keeps_what_was_typed(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    page = as_quality.get(f"/inspections/{inspection.id}/edit").text
    opened_on = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    # Someone else corrects the summary meanwhile.
    assert correct(as_quality, inspection, details(summary="Their summary.")).status_code == 302
    marker = last_event_id()
    stale = as_quality.post(f"/inspections/{inspection.id}/edit",
                            data={**details(summary="My summary."), "version": opened_on})
    assert stale.status_code == 409
    page = text_of(stale.text)
    assert "Someone else changed this inspection after you opened this page" in page
    assert "My summary." in stale.text  # what was typed comes back
    assert events_since(marker) == []
    db.session.expire_all()
    current = db.session.get(Inspection, inspection.id)
    assert current.summary == "Their summary."
    # The form now carries the current version: submitting it again (after checking) saves.
    resent = re.search(r'name="version" type="hidden" value="(\d+)"', stale.text).group(1)
    assert resent == str(current.version) != opened_on
    again = as_quality.post(f"/inspections/{inspection.id}/edit", data={**details(summary="My summary."), "version": resent})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).summary == "My summary."


def test_a_correction_without_its_version_is_refused(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    response = as_quality.post(f"/inspections/{inspection.id}/edit", data=details(summary="No version."))
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).summary == "Requires improvement overall."


def test_a_correction_is_audited_with_before_and_after(as_quality, place, quality):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    as_quality.post(f"/inspections/{inspection.id}/publish", data={"published_on": "2019-02-01"})
    marker = last_event_id()
    response = correct(as_quality, inspection, details(
        notice="short_notice", visit_end="2018-10-12", published_on="2019-02-01", summary="Corrected summary.",
    ))
    assert response.status_code == 302
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("update", "inspections", inspection.id, quality.id)
    assert event.changes == {
        "notice": ["unannounced", "short_notice"],
        "visit_end": ["2018-10-11", "2018-10-12"],
        "summary": ["Requires improvement overall.", "Corrected summary."],
        "version": [2, 3],
    }
    db.session.expire_all()
    assert inspection.status == "published"


def test_saving_unchanged_details_writes_no_event(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    marker = last_event_id()
    assert correct(as_quality, inspection, details()).status_code == 302
    assert events_since(marker) == []


def test_replacing_the_report_document_keeps_the_old_file(as_quality, place, uploads):
    inspection = created(as_quality.post("/inspections/new", data=with_file(details(), name="first.pdf")))
    first = inspection.report_file
    marker = last_event_id()
    response = correct(as_quality, inspection, with_file(details(), name="second.pdf"))
    assert response.status_code == 302
    db.session.expire_all()
    second = inspection.report_file
    assert second.id != first.id and second.original_filename == "second.pdf"
    assert db.session.get(StoredFile, first.id) is not None
    assert sorted(files_in(uploads)) == sorted([first.storage_key, second.storage_key])
    file_event, inspection_event = events_since(marker)
    assert (file_event.action, file_event.record_kind) == ("create", "stored_files")
    assert inspection_event.changes == {"report_file_id": [first.id, second.id], "version": [1, 2]}


def test_a_refused_correction_changes_nothing(as_quality, place, uploads):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    marker = last_event_id()
    response = correct(as_quality, inspection, with_file(details(visit_start="2018-10-20", summary="Changed")))
    assert_refused(response, "visit_end", "The visit cannot end before it starts.")
    db.session.expire_all()
    assert inspection.summary == "Requires improvement overall." and inspection.report_file_id is None
    assert events_since(marker) == [] and files_in(uploads) == []


def test_a_published_inspection_keeps_its_publication_date(as_quality, place):
    inspection = created(as_quality.post("/inspections/new", data=details()))
    as_quality.post(f"/inspections/{inspection.id}/publish", data={"published_on": "2019-02-01"})
    response = correct(as_quality, inspection, details(published_on=""))
    assert_refused(response, "published_on", "Enter the publication date: a published inspection keeps its date.")


def test_an_inspection_with_ratings_cannot_move_to_another_hospital(as_quality, place):
    from app.organisations.services import create_hospital

    create_hospital(place["trust"], ods_code="R1H12", name="The Royal London Hospital")
    db.session.commit()
    inspection = _with_ratings(created(as_quality.post("/inspections/new", data=details())), place)
    response = correct(as_quality, inspection, details(hospital="R1H12"))
    assert_refused(response, "hospital", "Ratings, findings or enforcement are already recorded for Whipps Cross University Hospital")
    empty = created(as_quality.post("/inspections/new", data=details()))
    assert correct(as_quality, empty, details(hospital="R1H12")).status_code == 302


def test_the_edit_form_offers_only_the_inspections_own_trust(as_quality, place):
    from app.organisations.services import create_hospital, create_trust

    create_hospital(create_trust(ods_code="RQX", name="Homerton Healthcare"), ods_code="RQXM1", name="Homerton University Hospital")
    db.session.commit()
    inspection = created(as_quality.post("/inspections/new", data=details()))
    assert "RQXM1" not in as_quality.get(f"/inspections/{inspection.id}/edit").text
    response = correct(as_quality, inspection, details(hospital="RQXM1"))
    assert_refused(response, "hospital", "Choose a hospital from the list.")


# -- Findings ------------------------------------------------------------------------------------


@pytest.fixture
def draft(as_quality, place) -> Inspection:
    return created(as_quality.post("/inspections/new", data=details()))


def test_a_must_do_finding_is_added_with_its_regulation(as_quality, place, draft, quality):
    page = as_quality.get(f"/inspections/{draft.id}/findings/new").text
    assert set(options(page, "department")) == {"", str(place["urgent"].id), str(place["surgery"].id)}
    marker = last_event_id()
    response = as_quality.post(f"/inspections/{draft.id}/findings/new", data={
        "kind": "must_do", "department": str(place["urgent"].id), "key_question": "Safe", "regulation": "12",
        "text": "Assess every patient within 15 minutes of arrival.",
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{draft.id}#findings")
    [finding] = db.session.scalars(select(Finding)).all()
    assert (finding.kind, finding.department_id, finding.key_question, finding.regulation) == ("must_do", place["urgent"].id, "Safe", "12")
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("create", "findings", finding.id, quality.id)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "must_do", "regulation": ""}, "regulation", "A must-do finding needs the regulation it breaches."),
        ({"kind": "must_do", "regulation": "", "text": ""}, "regulation", "A must-do finding needs the regulation it breaches."),
        ({"kind": "could_do"}, "kind", "Choose the kind of finding."),
        ({"text": "  "}, "text", "Enter the finding."),
        ({"regulation": "99"}, "regulation", "Choose a regulation from the list."),
        ({"key_question": "Overall"}, "key_question", "Choose a key question from the list."),
        ({"department": "99999"}, "department", "Choose a department from the list."),
    ],
)
def test_a_refused_finding_saves_nothing(as_quality, place, draft, data, field, message):
    marker = last_event_id()
    form = {"kind": "should_do", "department": "", "key_question": "", "regulation": "", "text": "Audit triage times."}
    response = as_quality.post(f"/inspections/{draft.id}/findings/new", data={**form, **data})
    assert_refused(response, field, message)
    assert count(Finding) == 0 and events_since(marker) == []


def test_a_retired_department_is_not_offered_for_a_later_inspection(as_quality, place, draft):
    retire_department(place["surgery"], retired_on=date(2017, 1, 1))
    db.session.commit()
    page = as_quality.get(f"/inspections/{draft.id}/findings/new").text
    assert f'value="{place["surgery"].id}"' not in page
    response = as_quality.post(f"/inspections/{draft.id}/findings/new", data={
        "kind": "should_do", "department": str(place["surgery"].id), "text": "Audit theatre lists."})
    assert_refused(response, "department", "Choose a department from the list.")


def test_a_department_of_another_hospital_is_refused(as_quality, place, draft):
    from app.organisations.services import create_department, create_hospital

    theirs = create_department(create_hospital(place["trust"], ods_code="R1H12", name="The Royal London Hospital"), service_code="urgent")
    db.session.commit()
    response = as_quality.post(f"/inspections/{draft.id}/findings/new", data={
        "kind": "should_do", "department": str(theirs.id), "text": "Audit."})
    assert_refused(response, "department", "Choose a department from the list.")


# -- Enforcement ---------------------------------------------------------------------------------


ENFORCEMENT = {"kind": "section_29a", "applies_to": "hospital", "department": "", "regulation": "",
               "description": "Significant improvement needed in surgery.", "started_on": "2019-02-01",
               "deadline": "2019-05-31", "ended_on": ""}


def test_a_section_29a_notice_is_added_with_its_deadline(as_quality, place, draft, quality):
    marker = last_event_id()
    response = as_quality.post(f"/inspections/{draft.id}/enforcement/new", data={**ENFORCEMENT, "department": str(place["surgery"].id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{draft.id}#enforcement")
    [item] = db.session.scalars(select(Enforcement)).all()
    assert (item.kind, item.hospital_id, item.department_id, item.inspection_id) == ("section_29a", place["hospital"].id, place["surgery"].id, draft.id)
    assert (item.started_on, item.deadline, item.ended_on) == (date(2019, 2, 1), date(2019, 5, 31), None)
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("create", "enforcements", item.id, quality.id)
    assert "Significant improvement needed in surgery." in as_quality.get(f"/inspections/{draft.id}").text


def test_special_measures_of_the_trust_run_from_start_to_end(as_quality, place, draft):
    response = as_quality.post(f"/inspections/{draft.id}/enforcement/new", data={
        **ENFORCEMENT, "kind": "special_measures", "applies_to": "trust", "deadline": "",
        "started_on": "2015-03-17", "ended_on": "2019-03-28", "description": "Placed in special measures."})
    assert response.status_code == 302
    [item] = db.session.scalars(select(Enforcement)).all()
    assert (item.kind, item.hospital_id, item.started_on, item.ended_on) == ("special_measures", None, date(2015, 3, 17), date(2019, 3, 28))
    assert item.in_force(date(2018, 1, 1)) and not item.in_force(date(2019, 3, 28))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"deadline": ""}, "deadline", "Enter the deadline of the section 29A warning notice."),
        ({"kind": "warning_notice", "deadline": ""}, "deadline", "Enter the deadline of the warning notice."),
        ({"kind": "requirement_notice", "deadline": ""}, "regulation", "A requirement notice needs the regulation that was breached."),
        ({"deadline": "2019-01-01"}, "deadline", "The deadline cannot be before the start."),
        ({"kind": "special_measures", "deadline": "", "ended_on": "2018-01-01"}, "ended_on", "It cannot end before it starts."),
        ({"started_on": ""}, "started_on", "Enter the date it started."),
        ({"started_on": "2019-13-01"}, "started_on", "The start date must be a real date in the format YYYY-MM-DD"),
        ({"description": ""}, "description", "Enter what the enforcement requires."),
        ({"kind": ""}, "kind", "Choose the kind of enforcement."),
        ({"applies_to": "region"}, "applies_to", "Choose whether it applies to the trust or the hospital."),
        ({"applies_to": "trust", "department": "SURGERY"}, "department", "A department belongs to the hospital"),
        ({"regulation": "99"}, "regulation", "Choose a regulation from the list."),
    ],
)
def test_refused_enforcement_saves_nothing(as_quality, place, draft, data, field, message):
    if data.get("department") == "SURGERY":
        data = {**data, "department": str(place["surgery"].id)}
    marker = last_event_id()
    response = as_quality.post(f"/inspections/{draft.id}/enforcement/new", data={**ENFORCEMENT, **data})
    assert_refused(response, field, message)
    assert count(Enforcement) == 0 and events_since(marker) == []


def test_a_trust_level_reviews_enforcement_is_served_on_the_trust(as_quality, place):
    review = created(as_quality.post("/inspections/new", data=details(hospital="trust:R1H", inspection_type="well_led")))
    page = as_quality.get(f"/inspections/{review.id}/enforcement/new").text
    assert 'value="hospital"' not in page
    data = {k: v for k, v in ENFORCEMENT.items() if k not in ("applies_to", "department")}
    assert as_quality.post(f"/inspections/{review.id}/enforcement/new", data=data).status_code == 302
    [item] = db.session.scalars(select(Enforcement)).all()
    assert item.hospital_id is None and item.trust_id == place["trust"].id


# -- Who may record ------------------------------------------------------------------------------


def _routes(inspection_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/inspections/new"),
        ("POST", "/inspections/new"),
        ("GET", f"/inspections/{inspection_id}/edit"),
        ("POST", f"/inspections/{inspection_id}/edit"),
        ("POST", f"/inspections/{inspection_id}/publish"),
        ("GET", f"/inspections/{inspection_id}/findings/new"),
        ("POST", f"/inspections/{inspection_id}/findings/new"),
        ("GET", f"/inspections/{inspection_id}/enforcement/new"),
        ("POST", f"/inspections/{inspection_id}/enforcement/new"),
    ]


@pytest.mark.parametrize("role", ["admin", "lead", "viewer"])
def test_only_the_quality_team_records(app, place, draft, make_user, login_as, role):
    user = make_user(role, departments=[place["urgent"]] if role == "lead" else [])
    client = login_as(app.test_client(), user)
    marker = last_event_id()
    for method, url in _routes(draft.id):
        data = with_file(details()) if method == "POST" else None
        assert client.open(url, method=method, data=data).status_code == 403, f"{method} {url}"
    assert events_since(marker) == [] and count(Inspection) == 1


def test_anonymous_visitors_are_sent_to_sign_in(app, client, place, draft):
    for method, url in _routes(draft.id):
        response = client.open(url, method=method, data=details() if method == "POST" else None)
        assert response.status_code == 302, f"{method} {url}"
        assert response.headers["Location"].startswith("/sign-in"), f"{method} {url}"


def test_the_recording_links_show_only_to_the_quality_team(app, place, draft, as_quality, make_user, login_as):
    links = ("/edit", "/findings/new", "/enforcement/new", "/publish")
    page = as_quality.get(f"/inspections/{draft.id}").text
    assert all(f"/inspections/{draft.id}{link}" in page for link in links)
    viewer = login_as(app.test_client(), make_user("viewer"))
    page = viewer.get(f"/inspections/{draft.id}").text
    assert not any(f"/inspections/{draft.id}{link}" in page for link in links)


def test_an_archived_inspection_is_restored_before_it_changes(as_quality, place, draft):
    from app.audit.services import archive

    archive(draft, "Entered twice")
    db.session.commit()
    for method, url in _routes(draft.id)[2:]:
        response = as_quality.open(url, method=method, data=details() if method == "POST" else None)
        assert response.status_code == 400, f"{method} {url}"
        assert "archived" in text_of(response.text)
    assert "/edit" not in as_quality.get(f"/inspections/{draft.id}").text
