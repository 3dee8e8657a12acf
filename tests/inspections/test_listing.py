"""The list of inspections: filters in a GET form, drafts marked, archived ones on request, newest
first, 25 a page with the NHS.UK pagination whose links keep the filters."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.services import archive
from app.extensions import db
from app.inspections.models import Inspection
from app.inspections.services import CellInput, create_inspection, publish, record_ratings
from app.organisations.models import Department, Hospital
from tests.support import table_rows

ROLES = ("admin", "quality", "lead", "viewer")




def rows(html: str) -> list[list[str]]:
    found = table_rows(html, css_class="ql-inspections")
    if not found:
        return []
    assert found[0] == ["Published", "Inspection", "Hospital", "Source"]
    return found[1:]


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def hospital(code: str) -> Hospital:
    return db.session.scalar(select(Hospital).where(Hospital.ods_code == code))


@pytest.fixture
def client(viewer_client):  # type: ignore[no-untyped-def]
    return viewer_client


def get(client, **query):  # type: ignore[no-untyped-def]
    response = client.get("/inspections", query_string=query)
    assert response.status_code == 200, text(response.text)
    return response.text


# -- The list and its order ----------------------------------------------------------------------------


def test_every_inspection_newest_first(client, demo):
    listed = rows(get(client))
    assert len(listed) == 12
    dates = [r[0] for r in listed]
    assert dates[0] == "20 June 2023" and dates[-1] == "17 March 2015"
    parsed = [date.fromisoformat(m) for m in re.findall(r'datetime="(\d{4}-\d{2}-\d{2})"', get(client))]
    assert parsed == sorted(parsed, reverse=True)
    assert listed[0][1:] == ["Comprehensive inspection of Whipps Cross University Hospital, 20 June 2023WX-MOCK-2023",
                             "Whipps Cross University Hospital", "Internal"]
    assert listed[1][1:] == ["Focused inspection of Whipps Cross University Hospital, 4 November 2022WX-2022-MAT",
                             "Whipps Cross University Hospital", "Official CQC"]
    assert ["1 February 2019", "Trust-level well-led review, 1 February 2019R1H-WL-2019",
            "The trust: Barts Health NHS Trust", "Official CQC"] in listed


def test_drafts_are_shown_to_everyone_at_the_top_marked_draft(client, demo):
    whipps = hospital("R1HKH")
    draft = create_inspection(whipps.trust, hospital=whipps, inspection_type="responsive", source="mock")
    db.session.commit()
    first = rows(get(client))[0]
    assert first[0] == "Draft"
    assert first[1].startswith("Responsive (after concerns) inspection") and first[3] == "Internal"
    assert f'href="/inspections/{draft.id}"' in get(client)


def test_archived_inspections_are_hidden_unless_asked_for(client, demo, make_user):
    wx_2015 = db.session.scalar(select(Inspection).where(Inspection.report_ref == "WX-2015"))
    archive(wx_2015, "Recorded in error", actor=make_user("quality"))
    db.session.commit()
    assert len(rows(get(client))) == 11
    assert f'href="/inspections/{wx_2015.id}"' not in get(client)
    with_archived = rows(get(client, archived=1))
    assert len(with_archived) == 12
    assert with_archived[-1][1].endswith("WX-2015 Archived")
    assert len(rows(get(client, archived=0))) == 11
    assert 'name="archived" type="checkbox" value="1" checked' in get(client, archived=1)


# -- Filters -------------------------------------------------------------------------------------------


@pytest.fixture
def mock(demo):  # type: ignore[no-untyped-def]
    whipps = hospital("R1HKH")
    urgent = db.session.scalar(select(Department).where(Department.code == "R1HKH-URGENT"))
    inspection = create_inspection(whipps.trust, hospital=whipps, inspection_type="focused", source="peer_review")
    record_ratings(inspection, [CellInput("Safe", "Good", department=urgent)])
    publish(inspection, date(2024, 5, 1))
    db.session.commit()
    return inspection


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"hospital": "R1HKH"}, ["peer review", "WX-MOCK-2023", "WX-2022-MAT", "WX-2019", "WX-2016", "WX-2015"]),
        ({"hospital": "R1HNH"}, ["NH-2019", "NH-2016"]),
        ({"source": "internal"}, ["peer review", "WX-MOCK-2023"]),
        ({"source": "official", "hospital": "R1HKH", "type": "focused"}, ["WX-2022-MAT"]),
        ({"type": "well_led"}, ["R1H-WL-2019"]),
        ({"published_from": "2016-12-16", "published_to": "2016-12-16"}, ["NH-2016", "RL-2016", "WX-2016"]),
        ({"published_from": "2022-01-01"}, ["peer review", "WX-MOCK-2023", "WX-2022-MAT"]),
        ({"published_to": "2015-12-31"}, ["WX-2015"]),
        ({"hospital": "R1HM0", "type": "focused"}, []),
    ],
)
def test_filters(client, mock, query, expected):
    listed = rows(get(client, **query))
    if not expected:
        assert listed == [] and "No inspections match these filters." in text(get(client, **query))
        return
    assert len(listed) == len(expected)
    for row, ref in zip(listed, expected):
        if ref == "peer review":
            assert row[3] == "Internal" and row[0] == "1 May 2024"
        elif ref.startswith("WX-MOCK"):
            assert row[1].endswith(ref) and row[3] == "Internal"  # the demo's mock inspection
        else:
            assert row[1].endswith(ref) and row[3] == "Official CQC"


def squeezed(html: str) -> str:
    """The NHS.UK macros spread a tag's attributes over many lines: one space between words."""
    return " ".join(html.split())


def test_the_form_keeps_the_filters_it_was_given(client, mock):
    html = squeezed(get(client, hospital="R1HKH", source="official", type="focused", published_from="2020-01-01"))
    assert re.search(r'<option value="R1HKH" selected', html)
    assert re.search(r'<option value="official" selected', html)
    assert re.search(r'<option value="focused" selected', html)
    assert re.search(r'<input[^>]*id="published_from"[^>]*type="date"[^>]*value="2020-01-01"|<input[^>]*type="date"[^>]*value="2020-01-01"', html)
    assert '<label class="nhsuk-label" for="published_from" >' in html
    assert "Clear filters" in html


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"hospital": "NOWHERE"}, "hospital", "Hospital must be one of the hospitals in the list"),
        ({"source": "rumour"}, "source", "Official or internal must be one of the choices in the list"),
        ({"type": "surprise"}, "type", "Type must be one of the types in the list"),
        ({"published_from": "yesterday"}, "published_from", "Published from must be a real date in the format YYYY-MM-DD"),
        ({"published_to": "2019-02-30"}, "published_to", "Published to must be a real date in the format YYYY-MM-DD"),
        ({"published_from": "2020-01-01", "published_to": "2019-01-01"}, "published_to",
         "Published to must be on or after published from"),
    ],
)
def test_bad_filters_are_a_400_with_the_message_at_the_field(client, demo, query, field, message):
    response = client.get("/inspections", query_string=query)
    assert response.status_code == 400
    html = response.text
    assert rows(html) == []  # never an unfiltered list
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert re.search(rf'id="{field}--error-message"|id="{field}-error"', html)
    assert message in text(html)
    assert "<title>Error: Inspections" in html


# -- Pagination ----------------------------------------------------------------------------------------


@pytest.fixture
def many(demo):  # type: ignore[no-untyped-def]
    """60 more official inspections of Whipps Cross, one a month from January 2020."""
    whipps = hospital("R1HKH")
    for n in range(60):
        published = date(2020, 1, 1) + timedelta(days=31 * n)
        inspection = create_inspection(
            whipps.trust, hospital=whipps, inspection_type="responsive", report_ref=f"EXTRA-{n:02d}",
            visit_start=published - timedelta(days=5), visit_end=published - timedelta(days=4),
        )
        publish(inspection, published)
    db.session.commit()


def test_25_a_page_with_the_nhs_pagination(client, many):
    first = get(client)
    assert len(rows(first)) == 25
    assert "72 inspections" in text(first) and "Inspections 1 to 25 of 72, newest first" in text(first)
    assert 'class="nhsuk-pagination' in first
    assert 'href="/inspections?page=2"' in first
    third = get(client, page=3)
    assert len(rows(third)) == 22
    assert "Inspections 51 to 72 of 72" in text(third)
    assert 'href="/inspections?page=2"' in third  # previous
    second = get(client, page=2)
    all_refs = [r[1] for r in rows(first) + rows(second) + rows(third)]
    assert len(set(all_refs)) == 72
    assert "<title>Inspections (page 2 of 3)" in second


def test_page_links_keep_the_filters(client, many):
    html = get(client, hospital="R1HKH", type="responsive", published_from="2020-01-01", archived=1)
    assert "60 inspections match the filters" in text(html)
    links = set(re.findall(r'href="(/inspections\?[^"]*page=\d[^"]*)"', html))
    assert links
    for link in links:
        link = unescape(link)
        for pair in ("hospital=R1HKH", "type=responsive", "published_from=2020-01-01", "archived=1"):
            assert pair in link, link
    page2 = client.get(unescape(sorted(links)[0])).text
    assert all(r[1].startswith("Responsive") for r in rows(page2))


def test_a_page_past_the_end_is_a_404(client, demo):
    assert client.get("/inspections?page=9").status_code == 404
    assert client.get("/inspections?page=0").status_code == 200
    assert client.get("/inspections?page=x").status_code == 200


# -- Navigation and access -----------------------------------------------------------------------------


def test_the_header_links_to_the_list_and_marks_it_current(client, demo):
    html = squeezed(get(client))
    assert '<a class="nhsuk-header__navigation-link" href="/inspections" aria-current="page">' in html
    hospital_page = client.get("/hospitals/R1HKH").text
    assert 'href="/inspections"' in hospital_page


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_list(app, demo, make_user, login_as, role):
    departments = [db.session.scalar(select(Department).where(Department.code == "R1HKH-URGENT"))] if role == "lead" else []
    client = login_as(app.test_client(), make_user(role, departments=departments))
    response = client.get("/inspections?hospital=R1HKH")
    assert response.status_code == 200
    assert len(rows(response.text)) == 5


def test_anonymous_visitors_are_sent_to_sign_in(app, demo):
    response = app.test_client().get("/inspections?hospital=R1HKH")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_names_are_escaped(client, demo):
    from app.organisations.services import create_hospital

    nasty = create_hospital(hospital("R1HKH").trust, ods_code="R1HZZ", name='<script>alert("x")</script>')
    create_inspection(nasty.trust, hospital=nasty, inspection_type="focused")
    db.session.commit()
    html = get(client)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(" in html
