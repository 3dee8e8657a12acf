"""The board pack end to end on the demo trust: the PDF's text and first page, the preview
holding the same facts, safe rendering of hostile text, a failed render, and the query count."""

from __future__ import annotations

import html as html_lib
import re
import socket
import sys
import threading
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.actions.models import Action
from app.boardpacks.queries import subject_by_code
from app.boardpacks.services import build_pack
from app.extensions import db
from app.inspections.models import Inspection
from app.organisations.models import Hospital
from app.presentation import long_date
from tests.support import statements

MIDWIVES = "All midwives and obstetricians complete annual fetal monitoring training"


def words(text: str) -> str:
    return " ".join(text.split())


def pdf_of(client, subject: str, as_of: date | None = None):  # type: ignore[no-untyped-def]
    query = f"subject={subject}" + (f"&as_of={as_of.isoformat()}" if as_of else "")
    response = client.get(f"/board-packs/pack.pdf?{query}")
    assert response.status_code == 200, response.text[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.data


def test_the_pdf_holds_ratings_dates_overdue_actions_and_page_numbers(demo, viewer_client, pdf_tools, tmp_path):
    pdf = pdf_of(viewer_client, "R1HKH")
    text = words(pdf_tools["text"](pdf, tmp_path))
    pages = pdf_tools["pages"](pdf, tmp_path)
    assert pages >= 5
    assert "Whipps Cross University Hospital" in text
    assert f"Position as of {long_date(date.today())}" in text
    for rating in ("Good", "Requires improvement"):
        assert rating in text
    assert "Inspected but not rated" in text
    assert "Feb 2019" in text and "Nov 2022" in text  # the cells' report months
    assert MIDWIVES in text
    assert "Grace Mensah" in text  # the overdue must-do action's owner
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Requirement notice" in text
    assert pdf_tools["ink"](pdf, tmp_path) > 0.01, "the first page is blank"


def test_a_trust_pack_has_every_hospital_and_the_trust_row(demo, viewer_client, pdf_tools, tmp_path):
    text = words(pdf_tools["text"](pdf_of(viewer_client, "R1H"), tmp_path))
    for name in ("Mile End Hospital", "Newham University Hospital", "St Bartholomew's Hospital",
                 "The Royal London Hospital", "Whipps Cross University Hospital", "Overall for Barts Health NHS Trust"):
        assert name in text
    assert "Outstanding" in text


def test_a_past_position_shows_the_grid_as_it_stood(demo, viewer_client, pdf_tools, tmp_path):
    text = words(pdf_tools["text"](pdf_of(viewer_client, "R1HKH", date(2016, 6, 1)), tmp_path))
    assert "Position as of 1 June 2016" in text
    assert "Inadequate" in text
    assert "Special measures" in text or "special measures" in text


def _facts(text: str) -> dict[str, set[str]]:
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    return {
        "long dates": set(re.findall(rf"\b\d{{1,2}} (?:{months}) \d{{4}}\b", text)),
        "report months": set(re.findall(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b", text)),
        "ratings": set(re.findall(r"Outstanding|Good|Requires improvement|Inadequate|Inspected but not rated", text)),
    }


def _preview_text(page: str) -> str:
    article = page[page.index('<article class="ql-pack"'): page.index("</article>")]
    article = re.sub(r"<svg.*?</svg>", " ", article, flags=re.S)  # the charts: compared as their tables
    article = re.sub(r'<span class="nhsuk-u-visually-hidden">.*?</span>', " ", article, flags=re.S)
    return words(html_lib.unescape(re.sub(r"<[^>]+>", " ", article)))


@pytest.mark.parametrize("code", ["R1HKH", "R1H"])
def test_the_preview_and_the_pdf_hold_the_same_facts(demo, viewer_client, pdf_tools, tmp_path, code):
    page = viewer_client.get(f"/board-packs?subject={code}")
    assert page.status_code == 200
    preview = _preview_text(page.text)
    pdf = words(pdf_tools["text"](pdf_of(viewer_client, code), tmp_path))
    # The chart's own words (its axis years, its labels) are in the PDF only.
    for kind, found in _facts(preview).items():
        assert found == _facts(pdf)[kind] - ({"Nov 2026"} if kind == "report months" else set()) or found <= _facts(pdf)[kind], kind
    assert _facts(preview)["long dates"] == _facts(pdf)["long dates"]
    for fragment in (MIDWIVES, "Grace Mensah", "Requirement notice"):
        assert (fragment in preview) == (fragment in pdf) == True  # noqa: E712
    # The headline figures, in the order both show them.
    figures = re.search(r"(\d+) open (\d+) overdue (\d+) completed in the last quarter (\d+) with a slipped", preview)
    assert figures and " ".join(f"{n} {w}" for n, w in zip(figures.groups(), ("open", "overdue"))) in pdf


def test_hostile_text_is_printed_not_fetched_or_read(demo, viewer_client, pdf_tools, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    hostile = (f'<img src="http://127.0.0.1:{port}/x"> <link href="file:///etc/passwd" rel="stylesheet"> '
               f'<style>body {{ background: url(http://127.0.0.1:{port}/css) }}</style> '
               f'<p style="background: url(file:///etc/passwd)">x</p>')
    whipps = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    latest = db.session.scalars(
        select(Inspection).where(Inspection.hospital_id == whipps.id, Inspection.source == "official",
                                 Inspection.status == "published").order_by(Inspection.published_on.desc())
    ).first()
    finding = latest.findings[0]
    finding.text = hostile
    db.session.commit()

    opened: list[str] = []
    watching = threading.Event()

    def audit(name: str, args: tuple) -> None:  # type: ignore[type-arg]
        if watching.is_set() and name == "open" and isinstance(args[0], str) and "passwd" in args[0]:
            opened.append(args[0])

    sys.addaudithook(audit)  # cannot be removed; it records only while `watching` is set
    watching.set()
    try:
        pdf = pdf_of(viewer_client, "R1HKH")
        preview = viewer_client.get("/board-packs?subject=R1HKH").text
    finally:
        watching.clear()
        stop.set()
        thread.join(timeout=2)
        listener.close()
    assert accepted == [], "the render connected to the listener"
    assert opened == [], "the render read a local file"
    text = words(pdf_tools["text"](pdf, tmp_path))
    assert f'<img src="http://127.0.0.1:{port}/x">' in text
    assert '<link href="file:///etc/passwd" rel="stylesheet">' in text
    assert f"url(http://127.0.0.1:{port}/css)" in text
    assert f'&lt;img src=&#34;http://127.0.0.1:{port}/x&#34;&gt;' in preview
    assert f'<img src="http://127.0.0.1:{port}' not in preview


def test_a_failed_render_is_a_clear_error_page_never_a_half_pdf(demo, app, viewer_client, tmp_path):
    app.static_folder = str(tmp_path)  # a broken deployment: the pack's stylesheet is missing
    response = viewer_client.get("/board-packs/pack.pdf?subject=R1HKH")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "could not be made into a PDF" in response.text
    assert b"%PDF" not in response.data


def test_a_bad_choice_is_a_400_that_says_what_to_fix(demo, viewer_client):
    response = viewer_client.get("/board-packs/pack.pdf?subject=R1HKH&as_of=2016-13-45")
    assert response.status_code == 400
    assert "Enter the date of the position as a real date" in response.text
    response = viewer_client.get("/board-packs/pack.pdf?subject=NOPE")
    assert response.status_code == 400
    assert "Choose the trust or the hospital" in response.text
    page = viewer_client.get("/board-packs?subject=R1HKH&as_of=2999-01-01")
    assert page.status_code == 200 and "must be today or in the past" in page.text


def _count_queries(app, run):  # type: ignore[no-untyped-def]
    with statements(selects_only=True) as seen:
        run()
    return len(seen)


def test_building_a_pack_costs_the_same_queries_whatever_the_data_size(demo, app):
    def build(code: str) -> None:
        db.session.expire_all()
        subject = subject_by_code(code)
        build_pack(subject, date.today(), generated_by="Test", generated_at=datetime.now(timezone.utc))

    one_hospital = _count_queries(app, lambda: build("R1HKH"))
    small_hospital = _count_queries(app, lambda: build("R1H13"))
    trust = _count_queries(app, lambda: build("R1H"))
    template = db.session.scalars(select(Action).order_by(Action.id)).first()
    for n in range(40):
        db.session.add(Action(hospital_id=template.hospital_id, department_id=template.department_id,
                              owner_id=template.owner_id, title=f"Extra action {n}", status="open",
                              original_due_on=date(2020, 1, 1), due_on=date(2021, 1, 1), findings=template.findings))
    db.session.commit()
    bigger = _count_queries(app, lambda: build("R1H"))
    # A report without findings skips the query of their actions; nothing else varies.
    assert one_hospital - small_hospital in (0, 1)
    assert trust == bigger == 12
    assert one_hospital == 13  # a hospital is looked up as a trust code first
