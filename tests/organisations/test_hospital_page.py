"""A hospital's page on the demo trust: the official grid as of a date (with its trend and the
median age of its ratings), the latest internal inspection's grid on request, its inspections,
findings and enforcement, and the grid as CSV and JSON downloads.

DOMAIN.md "The ratings grid": per cell, the latest published rating on or before the date; the
grid of any date mixes report dates; official and internal ratings are never mixed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.services import archive
from app.demo import story
from app.demo.services import parse_grid_row
from app.extensions import db
from app.inspections.grids import hospital_grid
from app.inspections.models import Inspection
from app.inspections.services import (
    CellInput,
    add_finding,
    create_inspection,
    publish,
    record_ratings,
)
from app.organisations.models import Department, Hospital
from app.organisations.services import create_department
from tests.support import statements, table_rows

ROLES = ("admin", "quality", "lead", "viewer")
TODAY = date.today()




def table(html: str, table_id: str) -> dict[str, list[str]]:
    """{row label: cell texts} of a grid table, the header row checked."""
    rows = table_rows(html, id=table_id)
    assert rows, f"no table #{table_id}"
    assert rows[0] == ["Service", "Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"]
    return {row[0]: row[1:] for row in rows[1:]}


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, start_id: str, end_id: str) -> str:
    return text(html[html.index(f'id="{start_id}"'):html.index(f'id="{end_id}"')])


def whipps_cross() -> Hospital:
    return db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))


def department(service: str, code: str = "R1HKH") -> Department:
    return db.session.scalar(
        select(Department).join(Hospital).where(Hospital.ods_code == code, Department.service_code == service)
    )


@pytest.fixture
def client(viewer_client):  # type: ignore[no-untyped-def]
    return viewer_client


@pytest.fixture
def mock_inspection(demo):  # type: ignore[no-untyped-def]
    """A published internal mock inspection of Whipps Cross in 2025: three services and Overall."""
    hospital = whipps_cross()
    inspection = create_inspection(
        hospital.trust, hospital=hospital, inspection_type="comprehensive", source="mock",
        visit_start=date(2025, 3, 3), visit_end=date(2025, 3, 4),
    )
    record_ratings(inspection, [
        CellInput("Safe", "Good", department=department("urgent")),
        CellInput("Overall", "Good", department=department("urgent")),
        CellInput("Safe", "Outstanding", department=department("surgery")),
        CellInput("Overall", "Good"),
    ])
    publish(inspection, date(2025, 5, 1))
    db.session.commit()
    return inspection


# -- The official grid as of a date ------------------------------------------------------------------


def story_cells(key: str) -> dict[tuple[str | None, str], str]:
    spec = next(s for s in story.INSPECTIONS if s["key"] == key)
    return {
        (None if row == "hospital" else row, kq): rating
        for row, codes in spec["grid"].items()
        for kq, rating, _known in parse_grid_row(codes)
    }


def test_whipps_cross_as_of_1_june_2016_is_exactly_the_2015_report(client, demo):
    response = client.get("/hospitals/R1HKH/grid.json?as_of=2016-06-01")
    cells = response.get_json()["cells"]
    assert {(c["service"], c["key_question"]): c["rating"] for c in cells} == story_cells("wx-2015")
    assert {c["date"] for c in cells} == {"2015-03-17"}
    page = client.get("/hospitals/R1HKH?as_of=2016-06-01").text
    assert "Ratings as they stood on 1 June 2016" in text(page)
    assert all("Mar 2015" in cell for cells in table(page, "ratings-grid").values() for cell in cells)


def test_todays_grid_mixes_report_dates(client, demo):
    cells = client.get("/hospitals/R1HKH/grid.json").get_json()["cells"]
    dates = {c["date"] for c in cells}
    assert dates == {"2019-02-01", "2022-11-04"}
    maternity = {c["key_question"]: c["date"] for c in cells if c["service"] == "npimaternity"}
    assert maternity == {"Safe": "2022-11-04", "Well-led": "2022-11-04", "Overall": "2022-11-04"}
    page = text(client.get("/hospitals/R1HKH").text)
    assert "These ratings come from 2 reports, published between 1 February 2019 and 4 November 2022" in page


@pytest.mark.parametrize(
    "as_of, expected_report",
    [
        ("2016-12-15", "wx-2015"),  # the day before the 2016 report was published
        ("2016-12-16", "wx-2016"),  # ratings take effect from publication
        ("2019-01-31", "wx-2016"),
    ],
)
def test_as_of_before_a_publication_shows_the_old_grid(client, demo, as_of, expected_report):
    cells = client.get(f"/hospitals/R1HKH/grid.json?as_of={as_of}").get_json()["cells"]
    assert {(c["service"], c["key_question"]): c["rating"] for c in cells} == story_cells(expected_report)


def test_each_cell_shows_its_trend_against_the_cells_previous_rating(client, demo):
    grid = table(client.get("/hospitals/R1HKH").text, "ratings-grid")
    # Surgery: Safe Inadequate in 2016, Requires improvement in 2019 -> improved by one.
    assert grid["Surgery"][0].startswith("Requires improvement") and "Improved by 1, previously Inadequate" in grid["Surgery"][0]
    # Urgent and emergency Effective: Requires improvement -> Good.
    assert "Improved by 1, previously Requires improvement" in grid["Urgent and emergency services"][1]
    # Urgent and emergency Safe: Requires improvement both times.
    assert "No change, previously Requires improvement" in grid["Urgent and emergency services"][0]
    # Maternity (the 2022 service) has no earlier rating of its own: it is compared with the
    # 2019 rating of the service it replaced, Maternity and gynaecology.
    assert "No change, previously Requires improvement under the service it replaced" in grid["Maternity"][0]
    html = client.get("/hospitals/R1HKH").text
    assert "▲" in html and "▶" in html


def test_the_trend_is_worked_out_as_of_the_date_shown(client, demo):
    grid = table(client.get("/hospitals/R1HKH?as_of=2017-01-01").text, "ratings-grid")
    # Surgery Safe was Inadequate in 2015 and 2016: no change then.
    assert "No change, previously Inadequate" in grid["Surgery"][0]
    assert "Improved by 1, previously Inadequate" in grid["Urgent and emergency services"][0]


def test_the_as_of_field_is_a_labelled_date_picker_that_keeps_the_date(client, demo):
    html = client.get("/hospitals/R1HKH?as_of=2016-06-01").text
    field = re.search(r"<input[^>]*id=\"as_of\"[^>]*>", html).group(0)
    assert 'type="date"' in field and 'name="as_of"' in field and 'value="2016-06-01"' in field
    assert 'aria-describedby="as_of-hint"' in field
    assert '<label class="nhsuk-label" for="as_of">Show ratings as they stood on</label>' in html
    assert 'id="as_of-hint"' in html
    assert re.search(r'<form method="get" action="/hospitals/R1HKH"', html)


def test_the_median_age_of_the_ratings_in_words(client, demo):
    grid = hospital_grid(whipps_cross(), TODAY)
    days = grid.median_age_days
    years, months = divmod(int((days + 1) // 30.4375), 12)
    page = text(client.get("/hospitals/R1HKH").text)
    assert f"Median age of ratings: {years} years {months} month" in page
    # On 1 June 2016 every rating was from 17 March 2015: 1 year 2 months 15 days old.
    assert "Median age of ratings: 1 year 2 months (on 1 June 2016)" in text(client.get("/hospitals/R1HKH?as_of=2016-06-01").text)


@pytest.mark.parametrize(
    "days, words",
    [(0, "less than a month"), (29, "less than a month"), (30, "1 month"), (365, "1 year"),
     (366, "1 year"), (730.5, "2 years"), (1400, "3 years 10 months"), (61.0, "2 months")],
)
def test_age_in_words(days, words):
    from app.presentation import age_in_words

    assert age_in_words(days) == words


# -- The internal grid beside it ----------------------------------------------------------------------


def test_the_internal_grid_is_shown_only_on_request_and_titled_not_official(client, mock_inspection):
    plain = client.get("/hospitals/R1HKH").text
    assert 'id="internal-grid"' not in plain and "not official" not in plain
    html = client.get("/hospitals/R1HKH?internal=1").text
    assert "Internal (mock) inspection, 1 May 2025 — not official" in text(html)
    internal = table(html, "internal-grid")
    assert list(internal) == ["Urgent and emergency services", "Surgery", "Overall for Whipps Cross University Hospital"]
    assert internal["Surgery"][0].startswith("★ Outstanding") and "May 2025" in internal["Surgery"][0]
    assert internal["Surgery"][5].startswith("–")  # a cell the mock inspection did not rate
    # The official grid beside it is unchanged: the mock's ratings are never folded in.
    official = table(html, "ratings-grid")
    assert official["Surgery"][0].startswith("Requires improvement")
    assert 'name="internal" type="checkbox" value="1" checked' in html


def test_the_internal_grid_as_of_a_date_before_any_mock_inspection(client, mock_inspection):
    html = client.get("/hospitals/R1HKH?internal=1&as_of=2023-06-19").text  # the demo's mock: 20 June 2023
    assert 'id="internal-grid"' not in html
    assert "There is no published internal (mock or peer review) inspection of this hospital on or before 19 June 2023" in text(html)


def test_a_draft_or_archived_mock_inspection_is_not_the_latest(client, mock_inspection, make_user):
    hospital = whipps_cross()
    draft = create_inspection(hospital.trust, hospital=hospital, inspection_type="focused", source="peer_review")
    record_ratings(draft, [CellInput("Safe", "Inadequate", department=department("urgent"))])
    db.session.commit()
    assert "Internal (mock) inspection, 1 May 2025" in text(client.get("/hospitals/R1HKH?internal=1").text)
    archive(mock_inspection, "Recorded twice", actor=make_user("quality"))
    db.session.commit()
    # The latest is now the demo's own mock inspection, not the draft.
    assert "Internal (mock) inspection, 20 June 2023" in text(client.get("/hospitals/R1HKH?internal=1").text)


# -- Inspections, findings and enforcement ---------------------------------------------------------


def inspections_section(html: str) -> str:
    return html[html.index('id="inspections"'):html.index("Changes to this hospital's record")]


def test_the_hospitals_inspections_newest_first_without_archived_ones(client, demo, make_user):
    listed = text(inspections_section(client.get("/hospitals/R1HKH").text))
    assert re.findall(r"\d+ \w+ \d{4}", listed) == ["20 June 2023", "4 November 2022", "1 February 2019", "16 December 2016", "17 March 2015"]
    wx_2015 = db.session.scalar(select(Inspection).where(Inspection.report_ref == "WX-2015"))
    archive(wx_2015, "Recorded in error", actor=make_user("quality"))
    db.session.commit()
    html = inspections_section(client.get("/hospitals/R1HKH").text)
    assert f'href="/inspections/{wx_2015.id}"' not in html
    assert "17 March 2015" not in html
    assert 'href="/inspections?hospital=R1HKH&amp;archived=1"' in html


def test_a_draft_inspection_is_listed_first_and_marked_draft(client, demo):
    hospital = whipps_cross()
    create_inspection(hospital.trust, hospital=hospital, inspection_type="responsive")
    db.session.commit()
    listed = text(inspections_section(client.get("/hospitals/R1HKH").text))
    assert "Inspections Responsive (after concerns) inspection, draft Draft" in listed


def test_findings_open_must_dos_first_each_linked_to_its_inspection(client, demo):
    html = client.get("/hospitals/R1HKH").text
    findings = html[html.index('id="findings"'):html.index('id="inspections"')]
    items = re.findall(r'<li class="ql-finding" id="finding-(\d+)">(.*?)</li>\s*(?=<li class="ql-finding"|</ol>)', findings, re.S)
    kinds = [("Must do" in body, "Open" in text(body).split("From the")[0]) for _id, body in items]
    # Open must-dos, then other open findings, then (in the closed details) closed ones.
    first_other = next(i for i, (must, _) in enumerate(kinds) if not must)
    assert all(must and is_open for must, is_open in kinds[:first_other])
    open_text = text(findings.split("Closed findings")[0])
    assert open_text.index("Ensure midwifery staffing") < open_text.index("Reduce the backlog")
    closed = text(findings.split("Closed findings")[1])
    assert "Ensure dying patients receive timely pain relief" in closed  # its action is verified
    assert "Closed: every action verified" in closed
    assert "Open: 1 action under way, 1 overdue" in open_text  # fetal monitoring training
    assert "overdue since 30 September 2026" in open_text
    finding_id, body = items[0]
    assert re.search(rf'href="/inspections/\d+#finding-{finding_id}"', body)


def test_enforcement_in_force_on_the_date_shown(client, demo):
    today = section(client.get("/hospitals/R1HKH").text, "enforcement", "findings")
    assert "Requirement notice · Maternity" in today
    assert "Special measures" not in today and "Section 29A" not in today
    then = section(client.get("/hospitals/R1HKH?as_of=2017-01-01").text, "enforcement", "findings")
    assert "Special measures · the whole trust" in then
    assert "Section 29A warning notice · Surgery" in then
    assert "Requirement notice · Urgent and emergency services" in then
    assert "Maternity" not in then


def test_the_history_panel_stays(client, demo):
    assert "History (" in text(client.get("/hospitals/R1HKH").text)


# -- Downloads ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [None, "2016-06-01", "2019-01-31"])
def test_the_json_download_equals_flask_grid_json(client, demo, runner, as_of):
    args = ["grid", "R1HKH", "--json"] + (["--as-of", as_of] if as_of else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    response = client.get("/hospitals/R1HKH/grid.json", query_string={"as_of": as_of} if as_of else {})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == json.loads(result.output)
    day = as_of or TODAY.isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="R1HKH-grid-{day}.json"'


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_csv_download_has_a_header_and_one_row_per_present_cell(client, demo):
    response = client.get("/hospitals/R1HKH/grid.csv?as_of=2016-06-01")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="R1HKH-grid-2016-06-01.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["Service", "Service code", "Key question", "Rating", "Date", "Illustrative"]
    cells = client.get("/hospitals/R1HKH/grid.json?as_of=2016-06-01").get_json()["cells"]
    assert len(rows) - 1 == len(cells) == len(story_cells("wx-2015"))
    assert [(r[1] or None, r[2], r[3], r[4]) for r in rows[1:]] == [
        (c["service"], c["key_question"], c["rating"], c["date"]) for c in cells
    ]
    assert rows[1][0] == "Urgent and emergency services"
    assert rows[-1][0] == "Overall for Whipps Cross University Hospital"
    # The public record gives Overall of each service in 2015; the rest is illustrative.
    assert {(r[1], r[2]): r[5] for r in rows[1:]}[("urgent", "Overall")] == "no"
    assert {(r[1], r[2]): r[5] for r in rows[1:]}[("urgent", "Safe")] == "yes"


def test_the_csv_download_of_today_mixes_dates_like_the_page(client, demo):
    rows = csv_rows(client.get("/hospitals/R1HKH/grid.csv"))[1:]
    assert {r[4] for r in rows} == {"2019-02-01", "2022-11-04"}
    assert not [r for r in rows if r[3] == ""]  # absent cells have no row


def test_csv_cells_a_spreadsheet_would_run_are_escaped(client, demo):
    hospital = whipps_cross()
    evil = create_department(hospital, service_code="renal", name="=HYPERLINK(\"http://x\")", code="R1HKH-EVIL")
    inspection = create_inspection(hospital.trust, hospital=hospital, inspection_type="focused")
    record_ratings(inspection, [CellInput("Safe", "Good", department=evil)])
    publish(inspection, date(2023, 1, 1))
    db.session.commit()
    rows = csv_rows(client.get("/hospitals/R1HKH/grid.csv"))
    assert ["'=HYPERLINK(\"http://x\")", "renal", "Safe", "Good", "2023-01-01", "no"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_internal_grid_downloads_say_they_are_not_official(client, mock_inspection):
    data = client.get("/hospitals/R1HKH/grid.json?internal=1").get_json()
    assert data["official"] is False and data["inspection_id"] == mock_inspection.id
    assert data["as_of"] == "2025-05-01"
    assert {(c["service"], c["key_question"], c["rating"]) for c in data["cells"]} == {
        ("urgent", "Safe", "Good"), ("urgent", "Overall", "Good"), ("surgery", "Safe", "Outstanding"), (None, "Overall", "Good"),
    }
    response = client.get("/hospitals/R1HKH/grid.csv?internal=1")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="R1HKH-internal-inspection-{mock_inspection.id}-grid-2025-05-01.csv"'
    )
    assert len(csv_rows(response)) == 1 + 4


def test_an_internal_download_without_an_internal_inspection_is_a_404(client, demo):
    assert client.get("/hospitals/R1H12/grid.json?internal=1").status_code == 404  # no mock at The Royal London


@pytest.mark.parametrize("bad", ["not-a-date", "2016-13-01", "01/06/2016"])
def test_a_download_with_a_bad_date_is_a_400_that_says_so(client, demo, bad):
    for path in ("/hospitals/R1HKH/grid.csv", "/hospitals/R1HKH/grid.json"):
        response = client.get(path, query_string={"as_of": bad})
        assert response.status_code == 400
        assert "real date" in text(response.text)


def test_downloads_of_an_unknown_hospital_are_404(client, demo):
    assert client.get("/hospitals/R1HXX/grid.csv").status_code == 404
    assert client.get("/hospitals/R1HXX/grid.json").status_code == 404


def test_the_page_links_to_both_downloads_of_the_grid_on_screen(client, mock_inspection):
    html = client.get("/hospitals/R1HKH?as_of=2025-06-01&internal=1").text
    assert 'href="/hospitals/R1HKH/grid.csv?as_of=2025-06-01"' in html
    assert 'href="/hospitals/R1HKH/grid.json?as_of=2025-06-01"' in html
    assert re.search(r'href="/hospitals/R1HKH/grid.csv\?(internal=1&amp;as_of=2025-06-01|as_of=2025-06-01&amp;internal=1)"', html)


# -- Access ---------------------------------------------------------------------------------------------

PATHS = ["/hospitals/R1HKH", "/hospitals/R1HKH?internal=1&as_of=2016-06-01", "/hospitals/R1HKH/grid.csv",
         "/hospitals/R1HKH/grid.json?as_of=2016-06-01"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_page_and_the_downloads(app, demo, make_user, login_as, role):
    departments = [department("urgent")] if role == "lead" else []
    client = login_as(app.test_client(), make_user(role, departments=departments))
    for path in PATHS:
        assert client.get(path).status_code == 200, path


def test_anonymous_visitors_are_sent_to_sign_in(app, demo):
    client = app.test_client()
    for path in PATHS:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in"), path


# -- Cost --------------------------------------------------------------------------------------------------




def queries_for(client, path: str) -> int:  # type: ignore[no-untyped-def]
    client.get(path)  # warm up: the first request loads what every later one has cached
    db.session.expunge_all()
    with statements() as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def add_inspections(count: int) -> None:
    """More published inspections of Whipps Cross, official and internal, each with a finding."""
    hospital = whipps_cross()
    urgent = department("urgent")
    for n in range(count):
        published = date(2023, 1, 2) + timedelta(days=30 * n)
        inspection = create_inspection(
            hospital.trust, hospital=hospital, inspection_type="focused",
            source="official" if n % 2 else "mock",
            visit_start=published - timedelta(days=10), visit_end=published - timedelta(days=9),
        )
        record_ratings(inspection, [CellInput("Safe", "Good", department=urgent), CellInput("Overall", "Good")])
        add_finding(inspection, kind="should_do", text=f"Finding {n}", department=urgent, key_question="Safe")
        publish(inspection, published)
    db.session.commit()


@pytest.mark.parametrize("path", ["/hospitals/R1HKH", "/hospitals/R1HKH?internal=1", "/hospitals/R1HKH/grid.json"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_inspections(client, mock_inspection, path):
    before = queries_for(client, path)
    add_inspections(12)
    after = queries_for(client, path)
    assert after == before, (before, after)


def test_the_page_reads_a_small_fixed_number_of_queries(client, demo):
    assert queries_for(client, "/hospitals/R1HKH") <= 15
