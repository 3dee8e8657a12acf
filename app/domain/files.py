"""What an uploaded file really is, read from its content, and a name that is safe to show.

An upload's name and its declared content type are whatever the sender chose; only the first
bytes of the content say what the file is (its "magic number"). A file is accepted only when
its name's extension is one the caller allows and the content is of that kind, so an HTML page
or a program renamed "report.pdf" is refused. Standard library only: plain values in and out.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A kind of content: its name, how a message describes it, the extensions it may carry."""

    name: str
    label: str  # completes "its content is ..."
    extensions: frozenset[str] = frozenset()


def _kind(name: str, label: str, *extensions: str) -> Kind:
    return Kind(name, label, frozenset(extensions))


EMPTY = _kind("empty", "empty")
PDF = _kind("pdf", "a PDF", "pdf")
PNG = _kind("png", "a PNG image", "png")
JPEG = _kind("jpeg", "a JPEG image", "jpg", "jpeg")
GIF = _kind("gif", "a GIF image", "gif")
DOCX = _kind("docx", "a Word document", "docx")
XLSX = _kind("xlsx", "an Excel spreadsheet", "xlsx")
PPTX = _kind("pptx", "a PowerPoint presentation", "pptx")
OOXML = _kind("ooxml", "an Office document of an unrecognised kind")
ZIP = _kind("zip", "a zip archive")
DOC = _kind("doc", "a Word 97-2003 document", "doc")
XLS = _kind("xls", "an Excel 97-2003 spreadsheet", "xls")
PPT = _kind("ppt", "a PowerPoint 97-2003 presentation", "ppt")
# An OLE compound file whose streams did not say which Office program wrote it.
OLE = _kind("ole", "an Office 97-2003 document", "doc", "xls", "ppt")
EXE = _kind("exe", "a Windows program")
ELF = _kind("elf", "a program")
HTML = _kind("html", "a web page (HTML)")
XML = _kind("xml", "an XML or SVG document")
TEXT = _kind("text", "plain text", "csv", "txt")
UNKNOWN = _kind("unknown", "of a kind this service does not recognise")

# Extension -> (how a message names a file of that kind, the content type it is served with).
EXTENSIONS: dict[str, tuple[str, str]] = {
    "pdf": ("a PDF", "application/pdf"),
    "png": ("a PNG image", "image/png"),
    "jpg": ("a JPEG image", "image/jpeg"),
    "jpeg": ("a JPEG image", "image/jpeg"),
    "gif": ("a GIF image", "image/gif"),
    "docx": ("a Word document",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("an Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("a PowerPoint presentation",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": ("a Word document", "application/msword"),
    "xls": ("an Excel spreadsheet", "application/vnd.ms-excel"),
    "ppt": ("a PowerPoint presentation", "application/vnd.ms-powerpoint"),
    "csv": ("a CSV file", "text/csv"),
    "txt": ("a text file", "text/plain"),
}

# Evidence of an action's progress: PDFs, images, Office documents and CSV files.
EVIDENCE = frozenset({"pdf", "png", "jpg", "jpeg", "gif", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "csv"})


def size_label(size: int) -> str:
    """'20 MB', '512 KB': a size or a limit as messages give it (whole units, rounded down)."""
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB"


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names in an OLE directory (UTF-16LE) that say which Office program wrote the file.
_OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), DOC),
    ("Workbook".encode("utf-16-le"), XLS),
    ("PowerPoint Document".encode("utf-16-le"), PPT),
)
_MARKUP_PREFIXES = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<meta")
# Markup a browser would act on anywhere near the start, even after some text.
_ACTIVE_MARKUP = (b"<script", b"<html", b"<iframe", b"<svg")
# Bytes that do not occur in text files: C0 controls other than tab, line feed, form feed,
# carriage return and escape.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_HEAD = 4096


def sniff(content: bytes) -> Kind:
    """The kind of `content`, from its first bytes (and, for a zip, its list of entries)."""
    if not content:
        return EMPTY
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(content)
    if content.startswith(_OLE_MAGIC):
        # A document with another embedded in it names both programs' streams: then any of them.
        found = [kind for stream, kind in _OLE_STREAMS if stream in content]
        return found[0] if len(found) == 1 else OLE
    if content.startswith(b"MZ"):
        return EXE
    if content.startswith(b"\x7fELF"):
        return ELF
    return _text_kind(content[:_HEAD])


def _zip_kind(content: bytes) -> Kind:
    """Word, Excel and PowerPoint files (Office Open XML) are zips with [Content_Types].xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return ZIP
    if "[Content_Types].xml" not in names:
        return ZIP
    for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(name.startswith(prefix) for name in names):
            return kind
    return OOXML


def _text_kind(head: bytes) -> Kind:
    if _BINARY.search(head):
        return UNKNOWN
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if stripped.startswith(_MARKUP_PREFIXES):
        return HTML
    if stripped.startswith((b"<?xml", b"<svg", b"<!doctype")):
        return XML
    if any(tag in stripped for tag in _ACTIVE_MARKUP):
        return HTML
    return TEXT


def extension(filename: str) -> str:
    """The extension of a file name, lower case, without the dot ('' when there is none)."""
    stem, dot, suffix = filename.rpartition(".")
    return suffix.lower() if dot and stem else ""


_UNSAFE_CHARACTERS = re.compile(r"[^\w .,()\[\]&+'-]")
MAX_NAME_LENGTH = 150


def safe_filename(name: str) -> str:
    """The name an upload is shown and downloaded under: the last part of any path it carried,
    without control characters or characters that mean something to a file system or a shell,
    never starting with a dot, at most MAX_NAME_LENGTH characters (the extension is kept)."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        " " if ch in "\t\n\r\v\f" else ch for ch in base if ch in "\t\n\r\v\f" or unicodedata.category(ch)[0] != "C"
    )
    base = _UNSAFE_CHARACTERS.sub("_", base)
    base = " ".join(base.split()).strip(" .")
    suffix = extension(base)
    if len(base) > MAX_NAME_LENGTH:
        keep = MAX_NAME_LENGTH - len(suffix) - 1
        base = base[:keep].rstrip(" .") + "." + suffix if suffix else base[:MAX_NAME_LENGTH]
    if not base or base.lower() == suffix:
        return f"file.{suffix}" if suffix else "file"
    return base


class FileRefused(ValueError):
    """The file cannot be accepted; the message says why in words for the person uploading it."""


@dataclass(frozen=True)
class Accepted:
    filename: str  # safe_filename of the upload's name
    extension: str
    content_type: str  # from the content and the extension, never from what the sender declared
    kind: Kind


def describe(allowed: Collection[str]) -> str:
    """'a PDF', 'a PDF or a Word document': what the allowed extensions are, in words."""
    ordered = [e for e in EXTENSIONS if e in allowed] + sorted(set(allowed) - set(EXTENSIONS))
    names = list(dict.fromkeys(EXTENSIONS[e][0] if e in EXTENSIONS else f"a .{e} file" for e in ordered))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def accept(filename: str, content: bytes, allowed: Collection[str]) -> Accepted:
    """Accept an upload whose extension is allowed and whose content is of that extension's
    kind; otherwise raise FileRefused saying what is wrong ("The file is not a PDF: its
    content is a web page (HTML).")."""
    unknown = set(allowed) - set(EXTENSIONS)
    if unknown:
        raise ValueError(f"no content check for the extensions {sorted(unknown)}")
    name = safe_filename(filename)
    suffix = extension(name)
    kind = sniff(content)
    if kind is EMPTY:
        raise FileRefused("The selected file is empty.")
    if suffix not in allowed:
        raise FileRefused(f"The selected file must be {describe(allowed)}.")
    if suffix not in kind.extensions:
        raise FileRefused(f"The file is not {EXTENSIONS[suffix][0]}: its content is {kind.label}.")
    return Accepted(filename=name, extension=suffix, content_type=EXTENSIONS[suffix][1], kind=kind)
