"""A department's page on the demo trust: its service, hospital and state, the timeline of its
official ratings (an SVG chart and a table of the same ratings), and its findings with the
actions that answer them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.services import archive
from app.charts import lane_spans
from app.domain.grid import RatedCell
from app.extensions import db
from app.inspections.models import Inspection
from app.inspections.services import CellInput, create_inspection, publish, record_ratings
from app.organisations.models import Department, Hospital
from app.organisations.services import retire_department
from tests.support import table_rows

ROLES = ("admin", "quality", "lead", "viewer")
SVG = "{http://www.w3.org/2000/svg}"
KEY_QUESTIONS = ["Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"]




def table(html: str, table_id: str) -> list[list[str]]:
    return table_rows(html, id=table_id)


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def chart(html: str) -> ET.Element:
    return ET.fromstring(re.search(r'<svg [^>]*class="ql-chart".*?</svg>', html, re.S).group(0))


def department(service: str, code: str = "R1HKH") -> Department:
    return db.session.scalar(
        select(Department).join(Hospital).where(Hospital.ods_code == code, Department.service_code == service)
    )


@pytest.fixture
def client(viewer_client):  # type: ignore[no-untyped-def]
    return viewer_client


def page(client, service: str, code: str = "R1HKH"):  # type: ignore[no-untyped-def]
    response = client.get(f"/departments/{department(service, code).id}")
    assert response.status_code == 200
    return response.text


# -- What the department is ----------------------------------------------------------------------------


def test_the_page_names_the_service_the_hospital_and_the_state(client, demo):
    html = page(client, "urgent")
    words = text(html)
    assert "Urgent and emergency services (CQC service urgent)" in words
    assert 'href="/hospitals/R1HKH">Whipps Cross University Hospital</a> (R1HKH)' in html
    assert "State In service" in words


def test_a_replaced_service_says_so_and_links_its_successors(client, demo):
    html = page(client, "outpatients")
    words = text(html)
    assert "State Replaced: out of the current grid since 1 February 2019" in words
    assert f'href="/departments/{department("npioutpatients").id}">Outpatients</a>' in html
    successor = page(client, "npioutpatients")
    assert f'href="/departments/{department("outpatients").id}">Outpatients and diagnostic imaging</a>' in successor


def test_a_retired_department_says_when(client, demo):
    retire_department(department("critical"), date(2024, 3, 31))
    db.session.commit()
    html = page(client, "critical")
    assert ">Retired<" in html
    assert "State Retired on 31 March 2024" in text(html)
    assert "left the current ratings grid on 31 March 2024, when it was retired" in text(html)


# -- The timeline ----------------------------------------------------------------------------------------


def test_the_chart_has_a_lane_per_key_question_and_a_mark_per_rating(client, demo):
    html = page(client, "urgent")
    root = chart(html)
    lanes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__lane"]
    assert [g.get("data-lane") for g in lanes] == KEY_QUESTIONS
    safe = [(m.get("data-start"), m.get("data-rating")) for m in lanes[0] if m.get("class") == "ql-chart__mark"]
    assert safe == [
        ("2015-03-17", "Inadequate"),
        ("2016-12-16", "Requires improvement"),
        ("2019-02-01", "Requires improvement"),
    ]
    titles = [m.find(f"{SVG}title").text for m in lanes[0] if m.get("class") == "ql-chart__mark"]
    assert titles[0] == (
        "Safe: Inadequate, published 17 March 2015, in force until 16 December 2016 "
        "(Comprehensive inspection, 17 March 2015)"
    )
    svg = re.search(r'<svg [^>]*class="ql-chart".*?</svg>', html, re.S).group(0)
    assert not re.search(r"\sstyle=", svg) and "<style" not in svg and "<script" not in svg


def test_the_table_beside_the_chart_lists_the_same_ratings_by_report(client, demo):
    rows = table(page(client, "urgent"), "department-reports")
    assert rows[0] == ["Report", *KEY_QUESTIONS]
    assert rows[1:] == [
        ["17 March 2015", "Inadequate", "Requires improvement", "Good", "Inadequate", "Inadequate", "Inadequate"],
        ["16 December 2016", "Requires improvement", "Requires improvement", "Good", "Requires improvement",
         "Requires improvement", "Requires improvement"],
        ["1 February 2019", "Requires improvement", "Good", "Good", "Requires improvement", "Requires improvement",
         "Requires improvement"],
    ]


def test_a_focused_inspection_leaves_the_other_cells_to_the_earlier_rating(client, demo):
    html = page(client, "npimaternity")
    rows = table(html, "department-reports")
    not_rated = "–Not rated by this report"
    assert rows[1] == ["4 November 2022", "Requires improvement", not_rated, not_rated, not_rated,
                       "Requires improvement", "Requires improvement"]
    lanes = {g.get("data-lane"): g for g in chart(html).iter(f"{SVG}g") if g.get("class") == "ql-chart__lane"}
    assert [t.text for t in lanes["Effective"].iter(f"{SVG}text")] == ["Effective", "No ratings"]


def test_the_timeline_ends_when_a_successor_is_first_rated(client, demo):
    root = chart(page(client, "outpatients"))
    overall = next(g for g in root.iter(f"{SVG}g") if g.get("data-lane") == "Overall")
    titles = [m.find(f"{SVG}title").text for m in overall if m.get("class") == "ql-chart__mark"]
    assert titles[-1].startswith("Overall: Inadequate, published 16 December 2016, in force until 1 February 2019")


def test_internal_and_archived_ratings_stay_out_of_the_timeline(client, demo, make_user):
    hospital = department("urgent").hospital
    mock = create_inspection(hospital.trust, hospital=hospital, inspection_type="focused", source="mock")
    record_ratings(mock, [CellInput("Safe", "Outstanding", department=department("urgent"))])
    publish(mock, date(2024, 1, 10))
    wx_2015 = db.session.scalar(select(Inspection).where(Inspection.report_ref == "WX-2015"))
    archive(wx_2015, "Recorded in error", actor=make_user("quality"))
    db.session.commit()
    html = page(client, "urgent")
    assert "Outstanding" not in text(html[html.index('id="department-reports"'):html.index('id="findings"')])
    assert [row[0] for row in table(html, "department-reports")[1:]] == ["16 December 2016", "1 February 2019"]


def test_a_department_never_rated(client, demo):
    from app.organisations.services import create_department

    new = create_department(department("care", "R1H12").hospital, service_code="renal")
    db.session.commit()
    html = client.get(f"/departments/{new.id}").text
    assert 'class="ql-chart"' not in html
    assert "No official rating of this department has been published." in text(html)


def R(rating: str, day: date) -> RatedCell:  # noqa: N802
    return RatedCell("row", "Safe", rating, day, day.isoformat())


@pytest.mark.parametrize(
    "history, expected",
    [
        ([R("Good", date(2015, 1, 1))], [("Good", date(2015, 1, 1), date(2026, 1, 1))]),
        (
            [R("Inadequate", date(2015, 1, 1)), R("Good", date(2019, 1, 1))],
            [("Inadequate", date(2015, 1, 1), date(2019, 1, 1)), ("Good", date(2019, 1, 1), date(2026, 1, 1))],
        ),
        # A later non-rating never displaces a rating: it was never in force.
        (
            [R("Good", date(2015, 1, 1)), R("Inspected but not rated", date(2019, 1, 1))],
            [("Good", date(2015, 1, 1), date(2026, 1, 1)), ("Inspected but not rated", date(2019, 1, 1), None)],
        ),
        # A non-rating is in force while the cell has no rating at all.
        (
            [R("Not rated", date(2015, 1, 1)), R("Insufficient evidence to rate", date(2017, 1, 1)), R("Good", date(2019, 1, 1))],
            [("Not rated", date(2015, 1, 1), date(2017, 1, 1)),
             ("Insufficient evidence to rate", date(2017, 1, 1), date(2019, 1, 1)),
             ("Good", date(2019, 1, 1), date(2026, 1, 1))],
        ),
    ],
)
def test_lane_spans(history, expected):
    spans = lane_spans(history, date(2026, 1, 1))
    assert [(s.rating, s.start, s.end) for s in spans] == expected


def test_lane_spans_end_at_the_rows_end():
    spans = lane_spans([R("Good", date(2015, 1, 1)), R("Inadequate", date(2020, 1, 1))], date(2018, 6, 1))
    assert [(s.rating, s.start, s.end) for s in spans] == [
        ("Good", date(2015, 1, 1), date(2018, 6, 1)),
        ("Inadequate", date(2020, 1, 1), date(2020, 1, 1)),  # after the end: a point
    ]


# -- Findings and actions ---------------------------------------------------------------------------------


def test_findings_with_the_actions_that_answer_them_and_overdue_from_today(client, demo):
    html = page(client, "npimaternity")
    findings = text(html[html.index('id="findings"'):])
    assert "Ensure all midwives and obstetricians complete annual fetal monitoring training." in findings
    # Due 30 September 2026 after two moves, in progress: overdue from today (the demo's story).
    training = findings[findings.index("All midwives and obstetricians complete"):]
    assert training.startswith("All midwives and obstetricians complete annual fetal monitoring training In progress · due 30 September 2026")
    days = (date.today() - date(2026, 9, 30)).days
    if days > 0:
        assert f"Overdue by {days} days" in training[:200]
    assert "Recruit to the full midwifery establishment Open · due 31 March 2027" in findings
    assert "owner Grace Mensah" in findings
    assert 'href="/inspections/' in html[html.index('id="findings"'):]


def test_a_finished_action_is_never_overdue(client, demo):
    findings = text(page(client, "life"))
    assert "Verified closed · due 30 September 2017" in findings
    assert "Overdue" not in findings[findings.index("Findings and the actions"):]


def test_actions_answering_no_finding_are_listed_too(client, demo):
    html = page(client, "diagnostic", "R1H12")
    other = text(html[html.index('id="other-actions"'):])
    assert "Replace the failed storage array and add a second data-centre link Verified closed" in other
    assert "Test the pathology and imaging downtime contingency plan every six months In progress" in other


def test_an_unknown_department_is_a_404(client, demo):
    response = client.get("/departments/999999")
    assert response.status_code == 404
    assert "There is no department number 999999." in text(response.text)


def test_names_are_escaped(client, demo):
    from app.organisations.services import create_department

    nasty = create_department(department("urgent").hospital, service_code="renal", name='<script>alert("x")</script>', code="R1HKH-X")
    db.session.commit()
    html = client.get(f"/departments/{nasty.id}").text
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


# -- Access -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_page(app, demo, make_user, login_as, role):
    departments = [department("urgent")] if role == "lead" else []
    client = login_as(app.test_client(), make_user(role, departments=departments))
    assert client.get(f"/departments/{department('npimaternity').id}").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(app, demo):
    response = app.test_client().get(f"/departments/{department('urgent').id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_the_hospital_page_links_findings_to_their_department(client, demo):
    html = client.get("/hospitals/R1HKH").text
    assert f'href="/departments/{department("npimaternity").id}"' in html
