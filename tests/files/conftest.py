"""Fixtures of the files area: a private upload folder per test, and small real files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app.demo.documents import pdf as make_pdf


@pytest.fixture(autouse=True)
def uploads(app, tmp_path: Path) -> Path:
    """UPLOAD_FOLDER for this test only (the app reads it at each upload)."""
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


def build_docx() -> bytes:
    """The smallest Word document a sniffer needs: a zip with [Content_Types].xml and word/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def pdf() -> bytes:
    return make_pdf()


@pytest.fixture
def docx() -> bytes:
    return build_docx()


def build_png() -> bytes:
    """A real 1 x 1 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


def ole(stream_name: str) -> bytes:
    """The start of an OLE compound file (legacy Office) whose directory names `stream_name`."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream_name.encode("utf-16-le") + b"\x00" * 64


@pytest.fixture
def samples() -> dict[str, bytes]:
    """Real byte prefixes of each kind of file, by name."""
    return {
        "pdf": make_pdf(),
        "png": build_png(),
        "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32,
        "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
               b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        "gif87": b"GIF87a\x01\x00\x01\x00\x00\x00\x00;",
        "docx": build_docx(),
        "xlsx": _ooxml("xl/workbook.xml"),
        "pptx": _ooxml("ppt/presentation.xml"),
        "plain zip": _zip("notes.txt"),
        "broken zip": b"PK\x03\x04" + b"\x00" * 40,
        "doc": ole("WordDocument"),
        "xls": ole("Workbook"),
        "ppt": ole("PowerPoint Document"),
        "ole": ole("Something else"),
        "html": b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>",
        "html after bom": b"\xef\xbb\xbf  <html><p>hello</p></html>",
        "script in text": b"name,value\nx,<script>alert(1)</script>\n",
        "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48,
        "elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,
        "csv": b"service,key question,rating\nurgent,Safe,Good\nsurgery,Caring,Outstanding\n",
        "csv in windows-1252": "hospital,note\nWhipps Cross,caf\u00e9 \u00a3 closed\n".encode("cp1252"),
        "text": "Findings of the mock inspection \u2013 draft\n".encode(),
        "binary": b"\x00\x01\x02\x03\x04\x05garbage\x00\x00",
        "empty": b"",
    }


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def _ooxml(part: str) -> bytes:
    return _zip("[Content_Types].xml", "_rels/.rels", part)
