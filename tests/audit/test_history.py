"""The History panel on the hospital page: the trail of the hospital's own record."""

from __future__ import annotations

import re

from app.extensions import db
from app.organisations.models import Hospital
from tests.support import page_text


def history(html: str) -> str:
    panel = re.search(r'<details class="nhsuk-details ql-history">.*?</details>', html, re.S)
    assert panel, "no History panel"
    return page_text(panel.group(0))


def test_the_hospital_page_shows_the_create_event_of_the_demo_seed(viewer_client, demo):
    response = viewer_client.get("/hospitals/R1HKH")
    assert response.status_code == 200
    text = history(response.text)
    hospital = db.session.scalar(db.select(Hospital).where(Hospital.ods_code == "R1HKH"))
    assert text.startswith("History (1 change)")
    assert f"Create hospital {hospital.id} by System," in text
    assert "name — Whipps Cross University Hospital" in text
    assert "ods code — R1HKH" in text
    # The panel is the last thing on the page, after the inspections.
    assert response.text.index("<h2>Inspections</h2>") < response.text.index('class="nhsuk-details ql-history"')


def test_the_panel_shows_only_this_hospitals_record(viewer_client, demo):
    text = history(viewer_client.get("/hospitals/R1HKH").text)
    assert "Newham" not in text and "trusts" not in text and "departments" not in text


def test_the_panel_is_closed_and_works_without_javascript(viewer_client, demo):
    html = viewer_client.get("/hospitals/R1HKH").text
    assert re.search(r'<details class="nhsuk-details ql-history">\s*<summary', html)
