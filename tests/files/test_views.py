"""Downloading a stored file: signed-in users only, always as an attachment under its safe name,
with the checked content type; the content lives outside the web root."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.files import services


def _store(content: bytes, filename: str, allowed=services.PDF_ONLY):
    stored = services.store(FileStorage(stream=io.BytesIO(content), filename=filename), allowed=allowed)
    db.session.commit()
    return stored


@pytest.mark.parametrize("role", ["admin", "quality", "lead", "viewer"])
def test_every_signed_in_role_downloads_the_file_as_an_attachment(app, make_user, login_as, pdf, role):
    stored = _store(pdf, "../../etc/passwd.pdf")
    departments = []
    if role == "lead":
        from app.organisations.services import create_department, create_hospital, create_trust

        hospital = create_hospital(create_trust(ods_code="R1H", name="Barts Health NHS Trust"),
                                   ods_code="R1HKH", name="Whipps Cross University Hospital")
        departments = [create_department(hospital, service_code="urgent")]
    client = login_as(app.test_client(), make_user(role, departments=departments))
    response = client.get(f"/files/{stored.id}")
    assert response.status_code == 200
    assert response.data == pdf
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Length"] == str(len(pdf))


def test_a_name_with_other_characters_is_offered_in_both_forms(app, quality_client, pdf):
    stored = _store(pdf, "Rapport été; \"x\".pdf")
    disposition = quality_client.get(f"/files/{stored.id}").headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Rapport%20%C3%A9t%C3%A9_%20_x_.pdf" in disposition
    assert ";" not in disposition.split("filename*=")[1]


def test_the_content_type_comes_from_the_content_not_the_sender(app, quality_client, samples):
    upload = FileStorage(stream=io.BytesIO(samples["csv"]), filename="ratings.csv", content_type="text/html")
    stored = services.store(upload, allowed={"csv"})
    db.session.commit()
    response = quality_client.get(f"/files/{stored.id}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=ratings.csv"


def test_anonymous_visitors_are_sent_to_sign_in(app, client, pdf):
    stored = _store(pdf, "report.pdf")
    response = client.get(f"/files/{stored.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_unknown_file_is_404(app, quality_client):
    response = quality_client.get("/files/99999")
    assert response.status_code == 404
    assert "There is no file number 99999." in response.text


def test_a_file_whose_content_is_missing_is_404(app, quality_client, pdf):
    stored = _store(pdf, "report.pdf")
    services.path_of(stored).unlink()
    response = quality_client.get(f"/files/{stored.id}")
    assert response.status_code == 404
    assert "The file&#39;s content is missing" in response.text


def test_files_are_kept_outside_the_web_root(app, quality_client, uploads, pdf):
    stored = _store(pdf, "report.pdf")
    path = services.path_of(stored)
    static = Path(app.static_folder).resolve()
    assert path.resolve().is_relative_to(uploads.resolve())
    assert not path.resolve().is_relative_to(static)
    assert not path.resolve().is_relative_to(Path(app.root_path).resolve())
    assert quality_client.get(f"/static/{stored.storage_key}").status_code == 404
    assert quality_client.get(f"/static/../{stored.storage_key}").status_code == 404


def test_the_default_upload_folder_is_in_the_instance_folder_not_static(app, tmp_path):
    from app.config import build_config

    config = build_config(tmp_path / "instance", {"SECRET_KEY": "x"})
    assert config["UPLOAD_FOLDER"] == str(tmp_path / "instance" / "uploads")


def test_the_upload_folder_can_be_set_in_the_environment(monkeypatch, tmp_path):
    from app.config import build_config

    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "elsewhere"))
    assert build_config(tmp_path, {"SECRET_KEY": "x"})["UPLOAD_FOLDER"] == str(tmp_path / "elsewhere")
