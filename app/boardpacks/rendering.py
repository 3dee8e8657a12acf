"""One template, two outputs: the pack's HTML (the browser preview, the --html file, and what
WeasyPrint reads) and its PDF through app.boardpacks.pdf."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template
from markupsafe import Markup

from app.boardpacks.pdf import render_pdf

if TYPE_CHECKING:
    from app.boardpacks.services import BoardPack

TEMPLATE = "boardpacks/pack.html"
STYLESHEET = "css/pack.css"


def stylesheet_href() -> str:
    return f"{current_app.static_url_path}/{STYLESHEET}"


def pack_html(pack: BoardPack, *, inline_styles: bool = False, **context: Any) -> str:
    """The pack as a standalone HTML document. With inline_styles the stylesheet is copied in,
    so that the file reads the same opened on its own (flask board-pack --html)."""
    inline_css = None
    if inline_styles:
        css = (Path(current_app.static_folder or "") / STYLESHEET).read_text(encoding="utf-8")
        inline_css = Markup(css)  # our own file, not user text
    from app.boardpacks.services import change_words

    context.setdefault("change_words_for", change_words)
    return render_template(TEMPLATE, pack=pack, preview=False, stylesheet=stylesheet_href(),
                           inline_css=inline_css, **context)


def pack_pdf(pack: BoardPack) -> bytes:
    """The pack's PDF (app.boardpacks.pdf.PackRenderError when it cannot be made)."""
    return pdf_of(pack_html(pack))


def pdf_of(html: str) -> bytes:
    return render_pdf(html, static_folder=current_app.static_folder or "",
                      static_url_path=current_app.static_url_path or "/static")
