"""A trust's page: hospitals x key questions with the trust's row, special measures, open and
overdue actions per hospital, departments, history, and a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.actions.models import Action
from app.actions.services import create_action
from app.audit.services import archive
from app.domain.actions import FINISHED
from app.domain.ratings import GRID_COLUMNS, RATINGS
from app.extensions import db
from app.inspections.grids import hospital_grid, trust_grid
from app.inspections.services import (
    CellInput,
    add_enforcement,
    create_inspection,
    publish,
    record_ratings,
)
from app.organisations.models import Hospital
from app.organisations.services import (
    create_department,
    create_hospital,
    create_trust,
    trust_by_code,
    update_trust,
)
from tests.support import page_text, statements, table_rows

HOSPITALS = [
    "Mile End Hospital",
    "Newham University Hospital",
    "St Bartholomew's Hospital",
    "The Royal London Hospital",
    "Whipps Cross University Hospital",
]
TRUST_ROW = "Overall for Barts Health NHS Trust"








def rating_and_month(cell: str) -> tuple[str, str]:
    """("Good", "Feb 2019") from a grid cell's text (its hidden words for screen readers too)."""
    rating = next(r for r in RATINGS if cell.startswith(r))
    month = re.search(r"[A-Z][a-z]{2} \d{4}$", cell)
    assert month, cell
    return rating, month.group(0)


def trust_grid_rows(html: str) -> dict[str, list[str]]:
    rows = table_rows(html, css_class="ql-trust-grid", between=" ")
    assert rows[0] == ["Hospital", *GRID_COLUMNS]
    return {row[0]: row[1:] for row in rows[1:]}


@pytest.fixture
def client(viewer_client):  # type: ignore[no-untyped-def]
    """The trust page is read by every signed-in role; a board viewer is the least privileged."""
    return viewer_client


# -- The grid: hospitals x key questions, then the trust ---------------------------------------------


def test_the_trust_page_shows_five_hospitals_with_their_overall_ratings_and_dates(client, demo):
    response = client.get("/trusts/R1H")
    assert response.status_code == 200
    grid = trust_grid_rows(response.text)
    assert list(grid) == [*HOSPITALS, TRUST_ROW]
    overall = {name: rating_and_month(cells[5]) for name, cells in grid.items()}
    assert overall == {
        "Mile End Hospital": ("Good", "Feb 2019"),
        "Newham University Hospital": ("Requires improvement", "Dec 2016"),
        "St Bartholomew's Hospital": ("Good", "Feb 2019"),
        "The Royal London Hospital": ("Requires improvement", "Feb 2019"),
        "Whipps Cross University Hospital": ("Requires improvement", "Feb 2019"),
        TRUST_ROW: ("Requires improvement", "Feb 2019"),
    }
    # Whipps Cross's 2019 Overall is from the public record; the others are illustrative.
    assert "illustrative" not in grid["Whipps Cross University Hospital"][5]
    assert "illustrative" in grid["Mile End Hospital"][5]
    assert "Improved by 1, previously Inadequate" in grid["Whipps Cross University Hospital"][5]
    # Every cell carries its report's date, machine-readable too.
    assert response.text.count('<time datetime="2019-02-01">') >= 5 * 6
    assert '<time datetime="2016-12-16">' in response.text
    for code in ("R1HM0", "R1H12", "R1HNH", "R1HKH", "R1H13"):
        assert f'href="/hospitals/{code}"' in response.text


def test_the_trust_row_is_the_trust_level_review(client, demo):
    grid = trust_grid_rows(client.get("/trusts/R1H").text)
    assert [rating_and_month(cell) for cell in grid[TRUST_ROW]] == [
        ("Requires improvement", "Feb 2019"), ("Good", "Feb 2019"), ("Good", "Feb 2019"),
        ("Requires improvement", "Feb 2019"), ("Requires improvement", "Feb 2019"),
        ("Requires improvement", "Feb 2019"),
    ]


def test_each_hospital_row_is_the_hospitals_own_row_of_its_grid(demo):
    for as_of in (date(2015, 3, 17), date(2016, 6, 1), date(2017, 1, 1), date(2019, 2, 1), date.today()):
        rows = {row.label: row for row in trust_grid(demo, as_of).rows}
        for hospital in demo.hospitals:
            own = [r for r in hospital_grid(hospital, as_of).rows if r.service_code is None]
            expected = own[0].cells if own else (None,) * len(GRID_COLUMNS)
            assert rows[hospital.name].cells == expected, (hospital.name, as_of)


def test_as_of_a_date_the_grid_is_as_it_stood_then(client, demo):
    response = client.get("/trusts/R1H?as_of=2016-06-01")
    assert response.status_code == 200
    assert "Ratings as they stood on 1 June 2016" in page_text(response.text)
    grid = trust_grid_rows(response.text)
    assert grid["Whipps Cross University Hospital"][5].startswith("Inadequate")
    assert "Mar 2015" in grid["Whipps Cross University Hospital"][5]
    # Nothing else was rated yet: no entry, and no trust-level review.
    for name in [*HOSPITALS[:4], TRUST_ROW]:
        assert grid[name] == ["– No entry"] * 6, name
    # The hospital links keep the date.
    assert 'href="/hospitals/R1HKH?as_of=2016-06-01"' in response.text


def test_a_mistyped_as_of_date_is_shown_as_an_error_and_today_is_used(client, demo):
    response = client.get("/trusts/R1H?as_of=2016-13-01")
    text = page_text(response.text)
    assert "There is a problem" in text and "Enter the date as a real date" in text
    assert "Current ratings" in text


def test_an_unknown_trust_is_not_found(client, demo):
    assert client.get("/trusts/XXX").status_code == 404


def test_the_trust_code_is_matched_in_any_case(client, demo):
    assert client.get("/trusts/r1h").status_code == 200


# -- Special measures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "shown"),
    [
        ("2015-03-16", False),  # the day before Whipps Cross's report put the trust in
        ("2015-03-17", True),
        ("2016-06-01", True),
        ("2019-03-27", True),
        ("2019-03-28", False),  # the day it left
        ("2022-01-01", False),
        (None, False),  # today
    ],
)
def test_the_special_measures_banner_shows_only_while_in_force(client, demo, as_of, shown):
    url = "/trusts/R1H" + (f"?as_of={as_of}" if as_of else "")
    response = client.get(url)
    assert ("ql-special-measures" in response.text) is shown
    text = page_text(response.text)
    assert ("In special measures" in text) is shown
    if shown:
        assert "Barts Health NHS Trust was in special measures from 17 March 2015 to 28 March 2019" in text
        assert "after Whipps Cross was rated Inadequate" in text


def test_the_banner_names_a_hospital_in_special_measures_today(client, app):
    trust = create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    hospital = create_hospital(trust, ods_code="RQXM1", name="Homerton University Hospital")
    add_enforcement(trust, kind="special_measures", description="Rated Inadequate overall.",
                    started_on=date(2024, 5, 1), hospital=hospital)
    add_enforcement(trust, kind="section_29a", description="Not special measures.",
                    started_on=date(2024, 5, 1), hospital=hospital)
    db.session.commit()
    text = page_text(client.get("/trusts/RQX").text)
    assert "In special measures" in text
    assert "Homerton University Hospital has been in special measures since 1 May 2024. Rated Inadequate overall." in text
    assert "Not special measures" not in text


# -- Open and overdue actions ------------------------------------------------------------------------


def _expected_counts(trust) -> dict[str, list[str]]:
    """Counted in Python from every action, independently of the page's grouped query."""
    today = date.today()
    counts = {h.name: [0, 0] for h in trust.hospitals}
    for action in db.session.scalars(select(Action)):
        if action.hospital.trust_id != trust.id or action.is_archived or action.status in FINISHED:
            continue
        counts[action.hospital.name][0] += 1
        counts[action.hospital.name][1] += action.due_on < today
    rows = {name: [str(o), str(d)] for name, (o, d) in sorted(counts.items())}
    rows["All hospitals"] = [str(sum(o for o, _ in counts.values())), str(sum(d for _, d in counts.values()))]
    return rows


def _shown_counts(html: str) -> dict[str, list[str]]:
    rows = table_rows(html, css_class="ql-action-counts", between=" ")
    assert rows[0] == ["Hospital", "Open actions", "Overdue"]
    return {row[0]: row[1:] for row in rows[1:]}


def test_open_and_overdue_counts_match_the_demo_actions(client, demo):
    shown = _shown_counts(client.get("/trusts/R1H").text)
    assert shown == _expected_counts(demo)
    assert list(shown) == [*HOSPITALS, "All hospitals"]
    # The demo has finished actions (completed, verified, cancelled) that must not count.
    statuses = set(db.session.scalars(select(Action.status)))
    assert statuses & FINISHED and statuses - FINISHED
    assert shown["Mile End Hospital"] == ["0", "0"]


def test_archived_and_finished_actions_do_not_count_and_overdue_is_derived(client, demo, make_user):
    owner = make_user("quality")
    whipps = next(h for h in demo.hospitals if h.ods_code == "R1HKH")
    before = _shown_counts(client.get("/trusts/R1H").text)["Whipps Cross University Hospital"]
    late = create_action(hospital=whipps, title="Late", owner=owner, due_on=date.today() - timedelta(days=1))
    create_action(hospital=whipps, title="Due today", owner=owner, due_on=date.today())
    gone = create_action(hospital=whipps, title="Archived", owner=owner, due_on=date.today() - timedelta(days=9))
    db.session.flush()
    archive(gone, "Entered twice", actor=owner)
    db.session.commit()
    after = _shown_counts(client.get("/trusts/R1H").text)
    assert after == _expected_counts(demo)
    assert [int(n) for n in after["Whipps Cross University Hospital"]] == [int(before[0]) + 2, int(before[1]) + 1]
    assert late.is_overdue(date.today()) and late.status not in FINISHED


def test_counts_are_of_today_whatever_the_as_of_date(client, demo):
    assert _shown_counts(client.get("/trusts/R1H?as_of=2016-06-01").text) == _expected_counts(demo)
    assert "as they stand today (not on 1 June 2016)" in page_text(client.get("/trusts/R1H?as_of=2016-06-01").text)


# -- Departments, management links, history --------------------------------------------------------------


def test_each_hospitals_departments_are_listed_with_their_cqc_service(client, demo):
    response = client.get("/trusts/R1H")
    text = page_text(response.text)
    assert 'id="hospital-R1HKH"' in response.text
    rows = table_rows(response.text, css_class="ql-departments", between=" ")
    by_code = {row[2]: row for row in rows if len(row) >= 4 and row[0] != "Department"}
    whipps = {code: row for code, row in by_code.items() if "R1HKH-" in code}
    assert len(whipps) == 11
    maternity = whipps["Code R1HKH-MATERNITY"]
    assert maternity[0] == "Department Maternity and gynaecology"
    assert maternity[1] == "CQC service Maternity and gynaecology (CQC id maternity)"
    assert maternity[3] == "Status In use; replaced by Maternity"
    # A board viewer sees no way to change anything.
    assert "/edit" not in response.text and "Add a hospital" not in text and "Change the trust" not in text


def test_quality_sees_the_links_to_add_and_change(quality_client, demo):
    response = quality_client.get("/trusts/R1H")
    whipps = next(h for h in demo.hospitals if h.ods_code == "R1HKH")
    surgery = next(d for d in whipps.departments if d.service_code == "surgery")
    for href in ("/trusts/R1H/edit", "/trusts/R1H/hospitals/new", "/hospitals/R1HKH/edit",
                 "/hospitals/R1HKH/departments/new", f"/departments/{surgery.id}/edit"):
        assert f'href="{href}"' in response.text, href


def test_a_retired_department_is_listed_as_retired_after_those_in_use(client, demo):
    from app.organisations.services import retire_department

    mile_end = next(h for h in demo.hospitals if h.ods_code == "R1H13")
    diagnostic = next(d for d in mile_end.departments if d.service_code == "diagnostic")
    retire_department(diagnostic, date(2024, 1, 31))
    db.session.commit()
    rows = [r for r in table_rows(client.get("/trusts/R1H").text, css_class="ql-departments", between=" ") if "Code R1H13-" in " ".join(r)]
    assert [r[0] for r in rows][-1] == "Department Diagnostic imaging"
    assert rows[-1][3] == "Status Retired on 31 January 2024"


def test_the_history_panel_lists_changes_to_the_trust(client, demo, make_user):
    update_trust(trust_by_code("R1H"), name="Barts Health NHS Trust (renamed)", formed_on=date(2012, 4, 1),
                 actor=make_user("quality"))
    db.session.commit()
    text = page_text(client.get("/trusts/R1H").text)
    assert "History (2 changes)" in text
    assert "Barts Health NHS Trust (renamed)" in text


def test_a_trust_without_hospitals(client, app):
    create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    db.session.commit()
    response = client.get("/trusts/RQX")
    assert response.status_code == 200
    assert "No hospitals recorded yet" in page_text(response.text)
    assert list(trust_grid_rows(response.text)) == ["Overall for Homerton Healthcare NHS Foundation Trust"]


def test_the_home_page_links_each_trust_to_its_page(client, demo):
    response = client.get("/")
    assert 'href="/trusts/R1H"' in response.text
    assert "Add a trust" not in response.text


def test_quality_sees_add_a_trust_on_the_home_page(quality_client, demo):
    assert 'href="/trusts/new"' in quality_client.get("/").text


# -- A fixed number of queries ---------------------------------------------------------------------


def _add_hospital(trust, index: int, owner) -> Hospital:
    """A hospital with two departments, a published inspection, open and overdue actions, and
    special measures: everything the trust page reads per hospital."""
    hospital = create_hospital(trust, ods_code=f"RQX{index:02d}", name=f"Hospital {index}")
    urgent = create_department(hospital, service_code="urgent")
    create_department(hospital, service_code="outpatients")
    create_department(hospital, service_code="npioutpatients")
    inspection = create_inspection(trust, hospital=hospital, inspection_type="comprehensive",
                                   visit_start=date(2019, 1, 1), visit_end=date(2019, 1, 2))
    record_ratings(inspection, [CellInput(key_question=kq, rating="Good", department=d)
                                for kq in GRID_COLUMNS for d in (urgent, None)])
    publish(inspection, date(2019, 3, 1))
    create_action(hospital=hospital, department=urgent, title="Open", owner=owner, due_on=date(2099, 1, 1))
    create_action(hospital=hospital, title="Late", owner=owner, due_on=date(2020, 1, 1))
    add_enforcement(trust, kind="special_measures", description="Inadequate.", started_on=date(2019, 3, 1),
                    hospital=hospital)
    db.session.commit()
    return hospital


def _statements(client, url: str) -> list[str]:
    db.session.expire_all()
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    return seen


def test_the_trust_page_makes_the_same_number_of_queries_for_one_or_three_hospitals(quality_client, make_user):
    owner = make_user("quality")
    trust = create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    create_inspection(trust, hospital=None, inspection_type="well_led")
    _add_hospital(trust, 1, owner)
    one = _statements(quality_client, "/trusts/RQX")
    text = page_text(quality_client.get("/trusts/RQX").text)
    assert "Hospital 1 has been in special measures" in text
    _add_hospital(trust, 2, owner)
    _add_hospital(trust, 3, owner)
    three = _statements(quality_client, "/trusts/RQX")
    assert len(one) == len(three), "\n\n".join(three)
    assert len(three) <= 12
    shown = _shown_counts(quality_client.get("/trusts/RQX").text)
    assert shown["All hospitals"] == ["6", "3"]


def test_the_demo_trust_page_query_count(client, demo):
    assert len(_statements(client, "/trusts/R1H")) <= 12
