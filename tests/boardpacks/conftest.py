"""Helpers of the board pack tests: the PDF's text (pdftotext -raw: content order, so a table cell's lines stay together) and its first page as pixels
(pdftoppm), both from poppler-utils, run for real."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def first_page_ink(pdf: bytes, tmp_path: Path) -> float:
    """The share of the first page's pixels that are not white (pdftoppm at 20 dpi, greyscale)."""
    path = tmp_path / "ink.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "20", "-gray", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    image = next(tmp_path.glob("page*.pgm")).read_bytes()
    # Binary PGM: "P5\n<w> <h>\n<max>\n" then one byte per pixel.
    parts = image.split(b"\n", 3)
    width, height = (int(n) for n in parts[1].split())
    pixels = parts[3][: width * height]
    return sum(1 for value in pixels if value < 200) / len(pixels)


@pytest.fixture
def pdf_tools():  # type: ignore[no-untyped-def]
    return {"text": pdf_text, "pages": pdf_pages, "ink": first_page_ink}
