"""What an upload really is: sniffing content by its first bytes, refusing a name that lies about
it, safe names, and storing under a random key (app.domain.files, app.files.services)."""

from __future__ import annotations

import hashlib
import io
import os
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.audit.models import AuditEvent
from app.domain.files import FileRefused, accept, extension, safe_filename, sniff
from app.errors import ValidationError
from app.extensions import db
from app.files import services
from app.files.models import StoredFile

OFFICE = {"pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "csv", "txt", "png", "jpg", "jpeg", "gif"}


@pytest.mark.parametrize(
    ("sample", "kind"),
    [
        ("pdf", "pdf"),
        ("png", "png"),
        ("jpeg", "jpeg"),
        ("gif", "gif"),
        ("gif87", "gif"),
        ("docx", "docx"),
        ("xlsx", "xlsx"),
        ("pptx", "pptx"),
        ("plain zip", "zip"),
        ("broken zip", "zip"),
        ("doc", "doc"),
        ("xls", "xls"),
        ("ppt", "ppt"),
        ("ole", "ole"),
        ("html", "html"),
        ("html after bom", "html"),
        ("script in text", "html"),
        ("svg", "xml"),
        ("exe", "exe"),
        ("elf", "elf"),
        ("csv", "text"),
        ("csv in windows-1252", "text"),
        ("text", "text"),
        ("binary", "unknown"),
        ("empty", "empty"),
    ],
)
def test_sniff_tells_the_kind_from_the_content(samples, sample, kind):
    assert sniff(samples[sample]).name == kind


@pytest.mark.parametrize(
    ("filename", "sample", "allowed", "outcome"),
    [
        # Accepted: the content type comes from the content and the extension, not the sender.
        ("CQC report 2016.pdf", "pdf", {"pdf"}, "application/pdf"),
        ("REPORT.PDF", "pdf", {"pdf"}, "application/pdf"),
        ("evidence.docx", "docx", OFFICE, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("audit.xlsx", "xlsx", OFFICE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("minutes.doc", "doc", OFFICE, "application/msword"),
        ("old.xls", "ole", OFFICE, "application/vnd.ms-excel"),
        ("photo.jpg", "jpeg", OFFICE, "image/jpeg"),
        ("photo.JPEG", "jpeg", OFFICE, "image/jpeg"),
        ("ward.png", "png", OFFICE, "image/png"),
        ("ward.gif", "gif", OFFICE, "image/gif"),
        ("ratings.csv", "csv", OFFICE, "text/csv"),
        ("ratings.csv", "csv in windows-1252", OFFICE, "text/csv"),
        ("notes.txt", "text", OFFICE, "text/plain"),
        # Refused: the name lies about the content.
        ("report.pdf", "html", {"pdf"}, "The file is not a PDF: its content is a web page (HTML)."),
        ("report.pdf", "exe", {"pdf"}, "The file is not a PDF: its content is a Windows program."),
        ("report.pdf", "elf", {"pdf"}, "The file is not a PDF: its content is a program."),
        ("report.pdf", "docx", {"pdf"}, "The file is not a PDF: its content is a Word document."),
        ("report.pdf", "binary", {"pdf"}, "The file is not a PDF: its content is of a kind this service does not recognise."),
        ("evidence.docx", "plain zip", OFFICE, "The file is not a Word document: its content is a zip archive."),
        ("evidence.docx", "pdf", OFFICE, "The file is not a Word document: its content is a PDF."),
        ("minutes.doc", "xls", OFFICE, "The file is not a Word document: its content is an Excel 97-2003 spreadsheet."),
        ("ratings.csv", "html", OFFICE, "The file is not a CSV file: its content is a web page (HTML)."),
        ("ratings.csv", "script in text", OFFICE, "The file is not a CSV file: its content is a web page (HTML)."),
        ("ward.png", "svg", OFFICE, "The file is not a PNG image: its content is an XML or SVG document."),
        ("photo.jpg", "png", OFFICE, "The file is not a JPEG image: its content is a PNG image."),
        # Refused: an extension the caller does not take, or no content.
        ("report.docx", "docx", {"pdf"}, "The selected file must be a PDF."),
        ("report", "pdf", {"pdf"}, "The selected file must be a PDF."),
        ("page.html", "html", {"pdf"}, "The selected file must be a PDF."),
        ("setup.exe", "exe", OFFICE, "The selected file must be a PDF, a PNG image, a JPEG image, a GIF image, "
                                     "a Word document, an Excel spreadsheet, a PowerPoint presentation, a CSV file "
                                     "or a text file."),
        ("report.pdf", "empty", {"pdf"}, "The selected file is empty."),
    ],
)
def test_accept_refuses_a_name_that_does_not_match_the_content(samples, filename, sample, allowed, outcome):
    content = samples[sample]
    if outcome.startswith("The "):
        with pytest.raises(FileRefused) as refused:
            accept(filename, content, allowed)
        assert str(refused.value) == outcome
    else:
        assert accept(filename, content, allowed).content_type == outcome


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("CQC report 2016.pdf", "CQC report 2016.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\x.pdf", "x.pdf"),
        ("C:\\Users\\priya\\Documents\\Whipps Cross.pdf", "Whipps Cross.pdf"),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("..", "file"),
        ("", "file"),
        (".pdf", "pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("report\r\nX-Injected: 1.pdf", "report X-Injected_ 1.pdf"),
        ('"quoted";name.pdf', "_quoted__name.pdf"),
        ("<script>.pdf", "_script_.pdf"),
        ("rapport d'inspection – été.pdf", "rapport d'inspection _ été.pdf"),
        ("Cafe\u0301.pdf", "Café.pdf"),
        ("a" * 300 + ".pdf", "a" * 146 + ".pdf"),
        ("  spaced   out  .pdf ", "spaced out .pdf"),
    ],
)
def test_safe_filename_keeps_only_the_last_part_of_a_name_without_unsafe_characters(given, safe):
    assert safe_filename(given) == safe


@pytest.mark.parametrize(
    ("name", "suffix"),
    [("report.pdf", "pdf"), ("REPORT.PDF", "pdf"), ("archive.tar.gz", "gz"), ("report", ""), (".pdf", ""), ("a.", "")],
)
def test_extension(name, suffix):
    assert extension(name) == suffix


# -- Storing ------------------------------------------------------------------------------------


def _upload(content: bytes, filename: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=filename, content_type="application/octet-stream")


def _files_in(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\x.pdf", "/etc/cron.d/evil.pdf"])
def test_a_path_in_the_name_never_reaches_the_disk(app, uploads, pdf, name, tmp_path):
    stored = services.store(_upload(pdf, name))
    db.session.commit()
    # Stored under a random key in the upload folder, and nowhere else.
    assert re.fullmatch(r"[0-9a-f]{32}", stored.storage_key)
    assert _files_in(uploads) == [stored.storage_key]
    assert services.path_of(stored).parent == uploads
    assert not (tmp_path / "etc").exists()
    assert stored.original_filename == safe_filename(name)
    assert "/" not in stored.original_filename and "\\" not in stored.original_filename
    assert (uploads / stored.storage_key).read_bytes() == pdf


def test_a_stored_file_records_its_size_hash_type_and_an_audit_event(app, uploads, pdf, make_user):
    quality = make_user("quality")
    stored = services.store(_upload(pdf, "Report.pdf"), actor=quality)
    db.session.commit()
    assert (stored.size, stored.sha256, stored.content_type) == (len(pdf), hashlib.sha256(pdf).hexdigest(), "application/pdf")
    assert stored.uploaded_by_id == quality.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "stored_files"))
    assert (event.action, event.record_id, event.user_id) == ("create", stored.id, quality.id)
    assert event.changes["original_filename"] == [None, "Report.pdf"]
    assert event.changes["sha256"] == [None, stored.sha256]


def test_two_uploads_of_the_same_file_get_different_keys(app, uploads, pdf):
    first = services.store(_upload(pdf, "a.pdf"))
    second = services.store(_upload(pdf, "a.pdf"))
    db.session.commit()
    assert first.storage_key != second.storage_key
    assert len(_files_in(uploads)) == 2


@pytest.mark.parametrize(
    ("sample", "name", "message"),
    [
        ("html", "report.pdf", "The file is not a PDF: its content is a web page (HTML)."),
        ("exe", "report.pdf", "The file is not a PDF: its content is a Windows program."),
        ("empty", "report.pdf", "The selected file is empty."),
        ("docx", "report.docx", "The selected file must be a PDF."),
    ],
)
def test_a_refused_upload_stores_nothing(app, uploads, samples, sample, name, message):
    with pytest.raises(ValidationError) as refused:
        services.store(_upload(samples[sample], name), field="report_file")
    assert refused.value.errors == {"report_file": message}
    assert _files_in(uploads) == []
    assert _count(StoredFile) == 0
    assert _count(AuditEvent) == 0


def test_no_file_chosen_is_refused(app, uploads):
    with pytest.raises(ValidationError) as refused:
        services.store(FileStorage(stream=io.BytesIO(b""), filename=""))
    assert refused.value.errors == {"file": "Select a file."}


def test_the_service_checks_the_size_limit_too(app, uploads, pdf):
    # Requests over MAX_CONTENT_LENGTH get a 413 before any view runs; the service checks again
    # for uploads that come another way.
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = pdf + b"%" * (1024 * 1024)
    with pytest.raises(ValidationError) as refused:
        services.store(_upload(big, "big.pdf"))
    assert refused.value.errors == {"file": "The selected file must be smaller than 1 MB."}
    assert _files_in(uploads) == []
    exactly = pdf + b"%" * (1024 * 1024 - len(pdf))
    assert services.store(_upload(exactly, "exactly.pdf")).size == 1024 * 1024


def test_a_file_written_by_a_transaction_that_rolls_back_is_removed(app, uploads, pdf):
    services.store(_upload(pdf, "rolled-back.pdf"))
    assert len(_files_in(uploads)) == 1
    db.session.rollback()
    assert _files_in(uploads) == []
    assert _count(StoredFile) == 0


def test_a_file_written_by_a_session_closed_without_commit_is_removed(app, uploads, pdf):
    services.store(_upload(pdf, "abandoned.pdf"))
    db.session.close()
    assert _files_in(uploads) == []


def test_a_committed_file_stays_when_a_later_transaction_rolls_back(app, uploads, pdf):
    kept = services.store(_upload(pdf, "kept.pdf"))
    db.session.commit()
    services.store(_upload(pdf, "dropped.pdf"))
    db.session.rollback()
    assert _files_in(uploads) == [kept.storage_key]
