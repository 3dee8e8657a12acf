"""The upload page of CQC files: who may use it, a real upload, a dry run, refusals shown with a
400 and nothing saved, and the import log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.imports.models import ImportLog
from app.organisations.models import Hospital
from tests.support import page_text

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = json.loads((FIXTURES / "locations.json").read_text())


def upload(client, data: bytes, name: str = "cqc.json", dry_run: bool = False):  # type: ignore[no-untyped-def]
    form = {"file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/imports", data=form, content_type="multipart/form-data")


def total(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


# Department leads are refused too: tests/test_access_matrix.py requests it as every role.
@pytest.mark.parametrize(("role", "status"), [("quality", 200), ("admin", 200), ("viewer", 403)])
def test_the_upload_page_is_for_the_quality_team_and_administrators(client_as, role, status):
    assert client_as(role).get("/imports").status_code == status


def test_a_real_upload_imports_and_shows_the_counts_and_changes(client_as):
    client = client_as("quality")
    response = upload(client, json.dumps(RECORDS[:2]).encode())
    assert response.status_code == 200
    text = page_text(response.get_data(as_text=True))
    assert "CQC ratings imported" in text
    assert "Create hospital RA430: Yeovil District Hospital" in text
    assert db.session.scalar(select(Hospital.name).where(Hospital.ods_code == "RA901")) == "Torbay Hospital"
    again = upload(client, json.dumps(RECORDS[:2]).encode())
    assert "Nothing changed" in page_text(again.get_data(as_text=True))
    log = page_text(client.get("/imports").get_data(as_text=True))
    assert "cqc.json" in log and "Imported" in log and "Nothing changed" in log


def test_a_dry_run_upload_saves_nothing_but_the_log(client_as):
    client = client_as("admin")
    response = upload(client, json.dumps(RECORDS[:1]).encode(), dry_run=True)
    assert response.status_code == 200
    text = page_text(response.get_data(as_text=True))
    assert "Dry run: nothing was saved" in text and "What would change" in text
    assert total(Hospital) == 0
    assert db.session.scalar(select(ImportLog.outcome)) == "dry_run"


def test_a_bad_file_is_refused_with_400_naming_the_record_and_nothing_is_saved(client_as):
    client = client_as("quality")
    bad = json.loads(json.dumps(RECORDS[4]))
    bad["reports"][0]["reportDate"] = "yesterday"
    events = total(AuditEvent)
    response = upload(client, json.dumps(RECORDS[:2] + [bad]).encode())
    assert response.status_code == 400
    text = page_text(response.get_data(as_text=True))
    assert "There is a problem" in text
    assert "Record 2 (locationId RK901), field reports[0].reportDate: not a date" in text
    assert "'yesterday'" in text
    assert total(Hospital) == 0 and total(ImportLog) == 0 and total(AuditEvent) == events


def test_no_file_is_refused_with_400(client_as):
    response = client_as("quality").post("/imports", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CQC file to upload" in page_text(response.get_data(as_text=True))


def test_a_csv_upload_is_recognised(client_as):
    response = upload(client_as("quality"), (FIXTURES / "latest-ratings.csv").read_bytes(), "latest.csv")
    assert response.status_code == 200
    assert db.session.scalar(select(ImportLog.file_format)) == "csv"


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    for response in (client.get("/imports"), client.post("/imports")):
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
