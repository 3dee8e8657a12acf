"""The hospital list and a hospital's grid page, on the demo trust."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.inspections.services import CellInput, create_inspection, publish, record_ratings
from app.organisations.services import create_hospital, create_trust
from tests.support import page_text


class _Tables(HTMLParser):
    """Rows of the tables whose class contains `css_class`, as lists of cell texts."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class = css_class
        self.depth = 0  # >0 while inside a matching table
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and (self.depth or self.css_class in classes):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.cell is not None and tag in ("td", "th"):
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


@pytest.fixture
def client(viewer_client):  # type: ignore[no-untyped-def]
    """Every page here is read by any signed-in role; a board viewer is the least privileged."""
    return viewer_client


def table_rows(html: str, css_class: str) -> list[list[str]]:
    parser = _Tables(css_class)
    parser.feed(html)
    return [row for row in parser.rows if row]




def grid_rows(html: str) -> dict[str, list[str]]:
    """{service label: [six cell texts]} of the page's ratings grid."""
    rows = table_rows(html, "ql-grid")
    assert rows[0] == ["Service", "Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"]
    return {row[0]: row[1:] for row in rows[1:]}


# -- The list of hospitals -------------------------------------------------------------------------


def test_home_lists_the_five_hospitals_with_their_overall_ratings(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    rows = table_rows(response.text, "nhsuk-table")
    assert rows[0] == ["Hospital", "Overall rating", "Rated on"]
    assert rows[1:] == [
        ["Mile End Hospital, Mile End", "Good", "1 February 2019"],
        ["Newham University Hospital, Plaistow", "Requires improvement", "16 December 2016"],
        ["St Bartholomew's Hospital, City of London", "Good", "1 February 2019"],
        ["The Royal London Hospital, Whitechapel", "Requires improvement", "1 February 2019"],
        ["Whipps Cross University Hospital, Leytonstone", "Requires improvement", "1 February 2019"],
    ]
    assert 'href="/hospitals/R1HKH"' in response.text


def test_home_without_any_trust(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No trusts recorded yet" in page_text(response.text)


def test_home_shows_a_hospital_without_ratings(client, app):
    trust = create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    create_hospital(trust, ods_code="RQXM1", name="Homerton University Hospital")
    db.session.commit()
    rows = table_rows(client.get("/").text, "nhsuk-table")
    assert rows[1] == ["Homerton University Hospital", "No published rating", ""]


# -- A hospital's page -------------------------------------------------------------------------------


def test_hospital_page_shows_todays_grid(client, demo):
    response = client.get("/hospitals/R1HKH")
    assert response.status_code == 200
    grid = grid_rows(response.text)
    assert list(grid) == [
        "Urgent and emergency services",
        "Medical care (including older people's care)",
        "Surgery",
        "Critical care",
        "Maternity",
        "Services for children and young people",
        "End of life care",
        "Outpatients",
        "Diagnostic imaging",
        "Overall for Whipps Cross University Hospital",
    ]
    maternity = grid["Maternity"]
    for column in (0, 4, 5):  # Safe, Well-led, Overall from the 2022 focused inspection
        assert "Requires improvement" in maternity[column] and "Nov 2022" in maternity[column]
    assert all("Nov 2022" not in maternity[c] and "Feb 2019" not in maternity[c] for c in (1, 2, 3))
    assert all("Feb 2019" in cell for cell in grid["Critical care"])
    assert all(cell.startswith("Good") for cell in grid["Critical care"])
    assert grid["Outpatients"][1].startswith("Inspected but not rated")


def test_hospital_page_as_of_a_date_shows_the_grid_then(client, demo):
    response = client.get("/hospitals/R1HKH?as_of=2016-06-01")
    assert response.status_code == 200
    text = page_text(response.text)
    assert "1 June 2016" in text
    grid = grid_rows(response.text)
    assert "Outpatients and diagnostic imaging" in grid
    assert "Maternity and gynaecology" in grid
    assert all("Mar 2015" in cell for cells in grid.values() for cell in cells)
    assert grid["Overall for Whipps Cross University Hospital"][5].startswith("Inadequate")
    assert "Feb 2019" not in response.text and "Nov 2022" not in response.text


def test_hospital_page_before_any_report(client, demo):
    response = client.get("/hospitals/R1HKH?as_of=2010-01-01")
    assert response.status_code == 200
    assert table_rows(response.text, "ql-grid") == []
    assert "no published official ratings" in page_text(response.text)


@pytest.mark.parametrize("bad", ["not-a-date", "2016-13-01", "01/06/2016"])
def test_hospital_page_with_a_bad_date_says_so_and_shows_today(client, demo, bad):
    response = client.get("/hospitals/R1HKH", query_string={"as_of": bad})
    assert response.status_code == 200
    assert "Enter the date as a real date" in page_text(response.text)
    assert "Nov 2022" in grid_rows(response.text)["Maternity"][0]


def test_hospital_page_with_a_blank_date_shows_today_without_error(client, demo):
    response = client.get("/hospitals/R1HKH?as_of=")
    assert response.status_code == 200
    assert "Enter the date as a real date" not in page_text(response.text)
    assert "Nov 2022" in grid_rows(response.text)["Maternity"][0]


def test_hospital_code_is_not_case_sensitive(client, demo):
    assert client.get("/hospitals/r1hkh").status_code == 200


def test_an_unknown_hospital_is_a_404_page_in_the_house_style(client, demo):
    response = client.get("/hospitals/R1HXX")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    text = page_text(response.text)
    assert "There is no hospital with the code R1HXX." in text
    assert "Go to the list of hospitals" in text
    assert "Quality Ledger" in text  # the layout's header and footer
    assert "Traceback" not in response.text


def test_an_unknown_page_is_a_404_page_in_the_house_style(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Go to the list of hospitals" in page_text(response.text)


# -- Escaping ----------------------------------------------------------------------------------------

NASTY = '<script>alert("x")</script> General'


@pytest.fixture
def nasty_hospital(app):
    trust = create_trust(ods_code="RQX", name="Homerton <b>Healthcare</b>")
    hospital = create_hospital(trust, ods_code="RQXM1", name=NASTY, town="<i>Hackney</i>")
    inspection = create_inspection(trust, hospital=hospital, inspection_type="comprehensive")
    record_ratings(inspection, [CellInput("Overall", "Good")])
    publish(inspection, date(2019, 2, 1))
    db.session.commit()
    return hospital


@pytest.mark.parametrize("path", ["/", "/hospitals/RQXM1"])
def test_names_are_escaped(client, nasty_hospital, path):
    response = client.get(path)
    assert response.status_code == 200
    for raw in ('<script>alert("x")</script>', "<b>Healthcare</b>", "<i>Hackney</i>"):
        assert raw not in response.text
    assert "&lt;script&gt;alert(" in response.text
    assert NASTY in page_text(response.text)


def test_an_unknown_code_is_escaped_on_the_404_page(client):
    response = client.get("/hospitals/<img src=x onerror=alert(1)>")
    assert response.status_code == 404
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_home_lists_trusts_a_page_at_a_time(viewer_client, demo):
    for n in range(24):  # with the demo's trust, 25: two pages of 20 and 5
        create_trust(ods_code=f"Z{n:02d}", name=f"Zeta Test Trust {n:02d}")
    db.session.commit()
    first = viewer_client.get("/")
    assert first.status_code == 200
    text = page_text(first.text)
    assert "Trusts 1 to 20 of 25, by name." in text
    assert "Barts Health NHS Trust" in text and "Zeta Test Trust 18" in text and "Zeta Test Trust 19" not in text
    assert 'href="/?page=2"' in first.text
    second = page_text(viewer_client.get("/?page=2").text)
    assert "Trusts 21 to 25 of 25, by name." in second and "Zeta Test Trust 23" in second
    assert "Barts Health NHS Trust" not in second
    assert viewer_client.get("/?page=3").status_code == 404
