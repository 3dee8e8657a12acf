"""The inspection page, and archiving and restoring inspections and findings, on the demo trust."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.inspections.grids import hospital_grid
from app.inspections.models import Finding, Inspection
from app.inspections.services import create_inspection
from app.organisations.models import Hospital
from tests.support import department, page_text, table_rows

ROLES = ("admin", "quality", "lead", "viewer")
ARCHIVE_FIELDS = {"archived_at", "archived_by_id", "archive_reason"}








def findings_section(html: str) -> str:
    """The page's Findings section as text (the History panel repeats findings' text)."""
    return page_text(html[html.index('id="findings"'):html.index('id="enforcement"')])


def by_ref(ref: str) -> Inspection:
    return db.session.scalar(select(Inspection).where(Inspection.report_ref == ref))




def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(marker: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > marker).order_by(AuditEvent.id)))


def grid_services(hospital_code: str) -> set[str | None]:
    hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == hospital_code))
    return {cell["service"] for cell in hospital_grid(hospital, date.today()).as_json()["cells"]}


@pytest.fixture
def user_of(make_user, demo):  # type: ignore[no-untyped-def]
    """user_of(role): a user of that role; a lead leads Whipps Cross's emergency department."""

    def make(role: str):  # type: ignore[no-untyped-def]
        departments = [department("R1HKH", "urgent")] if role == "lead" else []
        return make_user(role, departments=departments)

    return make


@pytest.fixture
def client_as(client_of, user_of):  # type: ignore[no-untyped-def]
    """client_as(role) -> a test client signed in as user_of(role)."""
    return lambda role: client_of(user_of(role))


# -- Reading the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_inspection_page(client_as, role):
    inspection = by_ref("WX-2016")
    response = client_as(role).get(f"/inspections/{inspection.id}")
    assert response.status_code == 200
    text = page_text(response.text)
    assert "Comprehensive inspection, 16 December 2016" in text
    assert "Whipps Cross University Hospital" in text
    for detail in ("Official CQC inspection", "Unannounced", "28 June 2016 to 1 July 2016", "Published", "WX-2016"):
        assert detail in text
    assert "Illustrative." in text  # the demo inspection says it is partly illustrative
    assert "Ensure dying patients receive timely pain relief" in text
    assert "Regulation 12: Safe care and treatment" in text
    assert "Section 29A warning notice · Surgery" in text
    assert "History (" in text
    can_archive = role in ("admin", "quality")
    assert ("Archive this inspection" in text) is can_archive
    assert ("Archive this finding" in text) is can_archive


def test_the_ratings_table_lists_the_cells_the_inspection_gave_in_words(client_as):
    inspection = by_ref("WX-2016")
    rows = table_rows(client_as("viewer").get(f"/inspections/{inspection.id}").text, id="inspection-ratings")
    assert rows[0] == ["Service", "Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"]
    body = {row[0]: row[1:] for row in rows[1:]}
    assert list(body)[0] == "Urgent and emergency services"
    assert list(body)[-1] == "Overall for Whipps Cross University Hospital"
    assert body["Overall for Whipps Cross University Hospital"] == [
        "Requires improvement", "Requires improvement", "Requires improvement",
        "Inadequate", "Inadequate", "Inadequate",
    ]
    # Illustrative cells say so in words (the † is hidden from screen readers).
    assert body["Surgery"][0] == "Inadequate† (illustrative)"
    assert body["Surgery"][5] == "Inadequate"


def test_a_focused_inspection_shows_the_cells_it_did_not_rate_as_not_rated(client_as):
    inspection = by_ref("WX-2022-MAT")
    rows = table_rows(client_as("viewer").get(f"/inspections/{inspection.id}").text, id="inspection-ratings")
    assert rows[1][0] == "Maternity"
    assert rows[1][2:5] == ["–Not rated by this inspection"] * 3


def test_findings_link_the_actions_that_answer_them(client_as):
    inspection = by_ref("WX-2016")
    html = client_as("viewer").get(f"/inspections/{inspection.id}").text
    assert "Introduce rapid assessment and triage at the emergency department front door" in html
    assert re.search(r'href="/actions/\d+"', html)


def test_unknown_inspection_and_finding_are_404(client_as):
    quality = client_as("quality")
    assert quality.get("/inspections/99999").status_code == 404
    assert quality.post("/inspections/99999/archive", data={"reason": "x"}).status_code == 404
    assert quality.post("/inspections/99999/restore").status_code == 404
    assert quality.post("/findings/99999/archive", data={"reason": "x"}).status_code == 404
    assert quality.post("/findings/99999/restore").status_code == 404


def test_the_page_needs_sign_in(client, demo):
    response = client.get(f"/inspections/{by_ref('WX-2016').id}")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_report_address_becomes_a_link_only_when_it_is_a_web_address(app, client_as, demo):
    trust = by_ref("WX-2016").trust
    hospital = by_ref("WX-2016").hospital
    safe = create_inspection(trust, hospital=hospital, inspection_type="focused", report_url="https://www.cqc.org.uk/location/R1HKH")
    unsafe = create_inspection(trust, hospital=hospital, inspection_type="focused")
    unsafe.report_url = "javascript:alert(1)"  # as if stored before the rule, or by hand
    db.session.commit()
    viewer = client_as("viewer")
    assert 'href="https://www.cqc.org.uk/location/R1HKH"' in viewer.get(f"/inspections/{safe.id}").text
    html = viewer.get(f"/inspections/{unsafe.id}").text
    assert 'href="javascript:' not in html
    assert "Not yet published" in page_text(html)


# -- Archiving and restoring an inspection ----------------------------------------------------------


@pytest.mark.parametrize("role", ["quality", "admin"])
def test_archiving_an_inspection_takes_its_ratings_out_of_the_grid_until_restored(client_as, user_of, role, login_as, app):
    user = user_of(role)
    client = login_as(app.test_client(), user)
    inspection = by_ref("WX-2022-MAT")
    assert "npimaternity" in grid_services("R1HKH")

    marker = last_event_id()
    response = client.post(f"/inspections/{inspection.id}/archive", data={"reason": "Entered twice by mistake."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{inspection.id}")
    db.session.expire_all()
    assert inspection.is_archived and inspection.archived_by_id == user.id
    assert inspection.archive_reason == "Entered twice by mistake."
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("archive", "inspections", inspection.id, user.id)
    assert set(event.changes) == ARCHIVE_FIELDS | {"version"}  # an inspection carries a version
    assert event.changes["archived_by_id"] == [None, user.id]
    assert event.changes["archive_reason"] == [None, "Entered twice by mistake."]
    assert event.changes["archived_at"][0] is None and event.changes["archived_at"][1]
    assert "npimaternity" not in grid_services("R1HKH")

    page = page_text(client.get(response.headers["Location"]).text)
    assert "The inspection has been archived" in page  # the flash message
    assert "This inspection is archived" in page
    assert f"Archived by {user.name} on" in page and "Entered twice by mistake." in page
    assert "Restore this inspection" in page

    marker = last_event_id()
    response = client.post(f"/inspections/{inspection.id}/restore")
    assert response.status_code == 302
    db.session.expire_all()
    assert not inspection.is_archived
    [event] = events_since(marker)
    assert (event.action, event.record_id, event.user_id) == ("restore", inspection.id, user.id)
    assert set(event.changes) == ARCHIVE_FIELDS | {"version"}
    assert event.changes["archived_by_id"] == [user.id, None]
    assert event.changes["archive_reason"] == ["Entered twice by mistake.", None]
    assert "npimaternity" in grid_services("R1HKH")
    assert "The inspection has been restored" in page_text(client.get(f"/inspections/{inspection.id}").text)


def test_an_archived_inspection_shows_who_archived_it_to_every_role_and_restore_only_to_those_allowed(client_as):
    inspection = by_ref("WX-2019")
    assert client_as("quality").post(f"/inspections/{inspection.id}/archive", data={"reason": "Wrong hospital."}).status_code == 302
    for role in ROLES:
        text = page_text(client_as(role).get(f"/inspections/{inspection.id}").text)
        assert "This inspection is archived" in text and "Wrong hospital." in text
        assert ("Restore this inspection" in text) is (role in ("quality", "admin"))
        assert "Archive this inspection" not in text


@pytest.mark.parametrize("role", ["lead", "viewer"])
def test_lead_and_viewer_may_not_archive_or_restore(client_as, role):
    inspection = by_ref("WX-2016")
    finding = inspection.findings[0]
    client, quality = client_as(role), client_as("quality")
    marker = last_event_id()
    assert client.post(f"/inspections/{inspection.id}/archive", data={"reason": "No."}).status_code == 403
    assert client.post(f"/findings/{finding.id}/archive", data={"reason": "No."}).status_code == 403
    db.session.expire_all()
    assert not inspection.is_archived and not finding.is_archived
    assert events_since(marker) == []
    quality.post(f"/findings/{finding.id}/archive", data={"reason": "Duplicate."})
    quality.post(f"/inspections/{inspection.id}/archive", data={"reason": "Duplicate."})
    marker = last_event_id()
    assert client.post(f"/inspections/{inspection.id}/restore").status_code == 403
    assert client.post(f"/findings/{finding.id}/restore").status_code == 403
    db.session.expire_all()
    assert inspection.is_archived and finding.is_archived
    assert events_since(marker) == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_archiving_needs_a_reason(client_as, reason):
    inspection = by_ref("WX-2016")
    quality = client_as("quality")
    marker = last_event_id()
    response = quality.post(f"/inspections/{inspection.id}/archive", data={"reason": reason})
    assert response.status_code == 400
    assert "Enter why this record is being archived." in page_text(response.text)
    assert f'href="#inspection-{inspection.id}-reason"' in response.text  # the error summary links the box
    assert "<title>Error: " in response.text
    db.session.expire_all()
    assert not inspection.is_archived
    assert events_since(marker) == []


def test_archiving_twice_and_restoring_what_is_not_archived_are_refused(client_as):
    inspection = by_ref("WX-2016")
    quality = client_as("quality")
    response = quality.post(f"/inspections/{inspection.id}/restore")
    assert response.status_code == 400
    assert "This record is not archived." in page_text(response.text)

    quality.post(f"/inspections/{inspection.id}/archive", data={"reason": "First."})
    marker = last_event_id()
    response = quality.post(f"/inspections/{inspection.id}/archive", data={"reason": "Second."})
    assert response.status_code == 400
    assert "This record is already archived." in page_text(response.text)
    db.session.expire_all()
    assert inspection.archive_reason == "First."
    assert events_since(marker) == []


# -- Archiving and restoring a finding --------------------------------------------------------------


@pytest.mark.parametrize("role", ["quality", "admin"])
def test_an_archived_finding_is_hidden_until_asked_for_and_can_be_restored(client_as, user_of, login_as, app, role):
    user = user_of(role)
    client = login_as(app.test_client(), user)
    inspection = by_ref("WX-2016")
    finding = next(f for f in inspection.findings if f.text.startswith("Ensure dying patients"))
    url = f"/inspections/{inspection.id}"

    marker = last_event_id()
    response = client.post(f"/findings/{finding.id}/archive", data={"reason": "Recorded against the wrong report."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}#findings")
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("archive", "findings", finding.id, user.id)
    assert set(event.changes) == ARCHIVE_FIELDS

    page = findings_section(client.get(url).text)
    assert "Ensure dying patients" not in page
    assert "Show archived findings (1)" in page
    for role_reading in ROLES:
        listed = findings_section(client_as(role_reading).get(f"{url}?archived=1").text)
        assert "Archived findings" in listed and "Ensure dying patients" in listed
        assert f"Archived by {user.name} on" in listed and "Recorded against the wrong report." in listed
        assert ("Restore this finding" in listed) is (role_reading in ("quality", "admin"))

    marker = last_event_id()
    response = client.post(f"/findings/{finding.id}/restore")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}#finding-{finding.id}")
    [event] = events_since(marker)
    assert (event.action, event.record_kind, event.record_id) == ("restore", "findings", finding.id)
    page = findings_section(client.get(url).text)
    assert "Ensure dying patients" in page and "Show archived findings" not in page


def test_a_blank_reason_for_a_finding_shows_the_error_on_that_finding(client_as):
    inspection = by_ref("WX-2016")
    finding = inspection.findings[1]
    quality = client_as("quality")
    marker = last_event_id()
    response = quality.post(f"/findings/{finding.id}/archive", data={"reason": ""})
    assert response.status_code == 400
    assert f'href="#finding-{finding.id}-reason"' in response.text
    assert f'id="finding-{finding.id}-reason-error"' in response.text
    db.session.expire_all()
    assert not db.session.get(Finding, finding.id).is_archived
    assert events_since(marker) == []


def test_restoring_a_finding_that_is_not_archived_is_refused(client_as):
    finding = by_ref("WX-2016").findings[0]
    response = client_as("admin").post(f"/findings/{finding.id}/restore")
    assert response.status_code == 400
    assert "This record is not archived." in page_text(response.text)


def test_the_history_panel_lists_the_inspection_and_finding_changes(client_as):
    inspection = by_ref("WX-2016")
    finding = inspection.findings[0]
    quality = client_as("quality")
    quality.post(f"/findings/{finding.id}/archive", data={"reason": "Duplicate entry."})
    text = page_text(quality.get(f"/inspections/{inspection.id}").text)
    assert f"Archive finding {finding.id} by Test quality" in text
    assert f"Create inspection {inspection.id} by System" in text


def test_the_history_panel_lists_the_changes_to_the_reports_rating_cells(client_as):
    inspection = by_ref("WX-2016")
    cell = inspection.cells[0]
    text = page_text(client_as("viewer").get(f"/inspections/{inspection.id}").text)
    assert f"Create rating cell {cell.id} by System" in text
    assert text.count("Create rating cell") == len(inspection.cells) > 1
