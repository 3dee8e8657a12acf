"""Reading forms out of pages, as a browser sees them: for the fuzz tests, the names of every
field a form posts (so a new form is fuzzed without anyone listing its fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class PageForm:
    action: str
    method: str
    fields: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = PageForm(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is not None and a.get("name") and tag in ("input", "select", "textarea", "button"):
            kind = a.get("type", "").lower()
            if tag == "input" and kind == "file":
                self._form.files.add(a["name"])
            elif not (tag == "button" or kind in ("submit", "image", "reset", "button")):
                self._form.fields.add(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def page_forms(html: str) -> list[PageForm]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def page_links(html: str) -> list[str]:
    parser = _Parser()
    parser.feed(html)
    return parser.links
