"""What an inspection changed: each cell it rated against the cell's previous rating before its
publication date (DOMAIN.md "The ratings grid": CQC's reports show a trend arrow against the
previous rating of the same cell), on the inspection page and as its grid download."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.services import archive
from app.extensions import db
from app.inspections.changes import change_counts, inspection_grid
from app.inspections.models import Inspection
from app.organisations.models import Department, Hospital
from tests.support import statements, table_rows

KEY_QUESTIONS = ("Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall")
ROLES = ("admin", "quality", "lead", "viewer")
D2015, D2016, D2019, D2022 = date(2015, 3, 17), date(2016, 12, 16), date(2019, 2, 1), date(2022, 11, 4)


def row(*codes: str) -> dict[str, str]:
    return {kq: code for kq, code in zip(KEY_QUESTIONS, codes, strict=True) if code != "-"}


def changes(grid) -> dict[tuple[str | None, str], tuple[str, str | None, str, int]]:  # type: ignore[no-untyped-def]
    """{(service, key question): (rating, previous rating, change kind, steps)}."""
    return {
        (r.service_code, c.key_question): (c.rating, c.previous.rating if c.previous else None, c.change.kind, c.change.steps)
        for r in grid.rows
        for c in r.cells
        if c is not None
    }




# -- The rule, on data built through the services ----------------------------------------------------


@pytest.fixture
def made(departments):  # type: ignore[no-untyped-def]
    return departments("urgent", "surgery")


def test_each_cell_against_its_previous_rating(hospital, made, inspect):
    inspect(D2015, {made["urgent"]: row("I", "RI", "G", "I", "I", "I"), None: row("I", "-", "-", "-", "-", "I")})
    later = inspect(D2019, {
        made["urgent"]: row("RI", "RI", "O", "G", "-", "RI"),
        made["surgery"]: row("G", "-", "-", "-", "-", "G"),
        None: row("-", "-", "-", "-", "-", "RI"),
    })
    got = changes(inspection_grid(later))
    assert got == {
        ("urgent", "Safe"): ("Requires improvement", "Inadequate", "up", 1),
        ("urgent", "Effective"): ("Requires improvement", "Requires improvement", "same", 0),
        ("urgent", "Caring"): ("Outstanding", "Good", "up", 1),
        ("urgent", "Responsive"): ("Good", "Inadequate", "up", 2),
        ("urgent", "Overall"): ("Requires improvement", "Inadequate", "up", 1),
        ("surgery", "Safe"): ("Good", None, "new", 0),
        ("surgery", "Overall"): ("Good", None, "new", 0),
        (None, "Overall"): ("Requires improvement", "Inadequate", "up", 1),
    }


def test_a_decline_counts_its_steps(hospital, made, inspect):
    inspect(D2015, {made["urgent"]: row("O", "-", "-", "-", "-", "-")})
    later = inspect(D2019, {made["urgent"]: row("I", "-", "-", "-", "-", "-")})
    (cell,) = [c for r in inspection_grid(later).rows for c in r.cells if c]
    assert (cell.change.kind, cell.change.steps, cell.change.arrow, cell.change.label) == ("down", 3, "▼", "Declined by 3")


def test_the_previous_rating_is_the_latest_before_publication_not_the_first(hospital, made, inspect):
    inspect(D2015, {made["urgent"]: row("I", "-", "-", "-", "-", "-")})
    inspect(D2016, {made["urgent"]: row("G", "-", "-", "-", "-", "-")})
    later = inspect(D2019, {made["urgent"]: row("G", "-", "-", "-", "-", "-")})
    assert changes(inspection_grid(later))[("urgent", "Safe")] == ("Good", "Good", "same", 0)
    # And an earlier inspection is compared with what came before it, never with later ones.
    first = db.session.scalar(select(Inspection).where(Inspection.published_on == D2015))
    assert changes(inspection_grid(first))[("urgent", "Safe")] == ("Inadequate", None, "new", 0)


def test_a_non_rating_is_skipped_as_previous_and_a_current_non_rating_has_nothing_to_compare(hospital, made, inspect):
    inspect(D2015, {made["urgent"]: row("RI", "G", "-", "-", "-", "-")})
    inspect(D2016, {made["urgent"]: row("IBNR", "IBNR", "-", "-", "-", "-")})
    later = inspect(D2019, {made["urgent"]: row("G", "IBNR", "-", "-", "-", "-")})
    got = changes(inspection_grid(later))
    assert got[("urgent", "Safe")] == ("Good", "Requires improvement", "up", 1)
    assert got[("urgent", "Effective")] == ("Inspected but not rated", "Good", "none", 0)


@pytest.mark.parametrize("other", ["mock", "draft", "archived", "same day", "other hospital"])
def test_what_does_not_count_as_the_previous_official_rating(hospital, made, inspect, trust, make_user, other):
    from app.organisations.services import create_department, create_hospital

    inspect(D2015, {made["urgent"]: row("I", "-", "-", "-", "-", "-")})
    if other == "mock":
        inspect(D2016, {made["urgent"]: row("O", "-", "-", "-", "-", "-")}, source="mock")
    elif other == "draft":
        inspect(D2016, {made["urgent"]: row("O", "-", "-", "-", "-", "-")}, draft=True)
    elif other == "archived":
        archive(inspect(D2016, {made["urgent"]: row("O", "-", "-", "-", "-", "-")}), "Recorded twice", actor=make_user("quality"))
    elif other == "same day":
        inspect(D2019, {made["urgent"]: row("O", "-", "-", "-", "-", "-")})
    else:
        elsewhere = create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital")
        urgent = create_department(elsewhere, service_code="urgent")
        inspect(D2016, {urgent: row("O", "-", "-", "-", "-", "-")}, of=elsewhere)
    later = inspect(D2019, {made["urgent"]: row("RI", "-", "-", "-", "-", "-")})
    assert changes(inspection_grid(later))[("urgent", "Safe")] == ("Requires improvement", "Inadequate", "up", 1)


def test_an_internal_inspection_is_compared_with_internal_ratings_only(hospital, made, inspect):
    inspect(D2015, {made["urgent"]: row("I", "-", "-", "-", "-", "-")})
    inspect(D2016, {made["urgent"]: row("G", "-", "-", "-", "-", "-")}, source="peer_review")
    mock = inspect(D2019, {made["urgent"]: row("O", "-", "-", "-", "-", "-")}, source="mock")
    grid = inspection_grid(mock)
    assert grid.official is False
    assert changes(grid)[("urgent", "Safe")] == ("Outstanding", "Good", "up", 1)


def test_rows_order_labels_illustrative_flags_and_counts(hospital, made, inspect):
    inspect(D2015, {made["surgery"]: row("I", "-", "-", "-", "-", "-")})
    later = inspect(
        D2019,
        {None: row("G", "-", "-", "-", "-", "G"), made["surgery"]: row("G", "-", "-", "-", "-", "IBNR"), made["urgent"]: row("G", "-", "-", "-", "-", "-")},
        illustrative=((made["urgent"], "Safe"),),
    )
    grid = inspection_grid(later)
    assert [r.service_code for r in grid.rows] == ["urgent", "surgery", None]
    assert [r.label for r in grid.rows] == ["Urgent and emergency services", "Surgery", "Overall for Whipps Cross University Hospital"]
    assert (grid.hospital_code, grid.as_of, grid.dates) == ("R1HKH", D2019, (D2019,))
    urgent_safe = grid.rows[0].cells[0]
    assert grid.is_illustrative(grid.rows[0], urgent_safe)
    assert not grid.is_illustrative(grid.rows[1], grid.rows[1].cells[0])
    assert change_counts(grid) == {"up": 1, "down": 0, "same": 0, "new": 3, "none": 1}


def test_a_trust_level_review_is_a_grid_of_the_trusts_row(trust, hospital, inspect):
    from app.inspections.services import CellInput, create_inspection, publish, record_ratings

    def review(day: date, rating: str) -> Inspection:
        inspection = create_inspection(trust, hospital=None, inspection_type="well_led")
        record_ratings(inspection, [CellInput("Well-led", rating, trust_row=True)])
        publish(inspection, day)
        return inspection

    review(D2015, "Inadequate")
    inspect(D2016, {None: row("-", "-", "-", "-", "G", "-")})  # the hospital's own Well-led: another row
    grid = inspection_grid(review(D2019, "Requires improvement"))
    assert (grid.hospital_code, [r.label for r in grid.rows]) == ("R1H", ["Trust: Barts Health NHS Trust"])
    assert changes(grid) == {(None, "Well-led"): ("Requires improvement", "Inadequate", "up", 1)}


def test_a_draft_has_nothing_to_compare(hospital, made, inspect):
    draft = inspect(D2019, {made["urgent"]: row("G", "-", "-", "-", "-", "-")}, draft=True)
    with pytest.raises(ValueError):
        inspection_grid(draft)


def test_four_queries_however_many_earlier_inspections(hospital, made, inspect):
    first = inspect(D2015, {made["urgent"]: row("I", "I", "I", "I", "I", "I"), None: row("I", "-", "-", "-", "-", "I")})
    db.session.commit()
    target = inspect(date(2024, 1, 1), {made["urgent"]: row("G", "G", "G", "G", "G", "G"), made["surgery"]: row("G", "-", "-", "-", "-", "G")})
    db.session.commit()
    target.id, target.hospital.name, target.trust.name  # noqa: B018  (load outside the count)
    with statements() as seen:
        inspection_grid(target)
    few = len(seen)
    for year in range(2016, 2024):
        inspect(date(year, 6, 1), {made["urgent"]: row("RI", "RI", "RI", "RI", "RI", "RI"), made["surgery"]: row("I", "-", "-", "-", "-", "I")})
    db.session.commit()
    target.id, target.hospital.name, target.trust.name  # noqa: B018
    with statements() as seen:
        grid = inspection_grid(target)
    assert few <= 4 and len(seen) == few
    assert changes(grid)[("urgent", "Safe")] == ("Good", "Requires improvement", "up", 1)
    assert first.id  # the first inspection still counts as history, not as the previous


# -- On the inspection page, on the demo trust ---------------------------------------------------------




def table(html: str, table_id: str) -> dict[str, list[str]]:
    rows = table_rows(html, id=table_id)
    assert rows[0] == ["Service", *KEY_QUESTIONS]
    return {r[0]: r[1:] for r in rows[1:]}


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def by_ref(ref: str) -> Inspection:
    return db.session.scalar(select(Inspection).where(Inspection.report_ref == ref))


@pytest.fixture
def client(viewer_client):  # type: ignore[no-untyped-def]
    return viewer_client


def test_the_2016_report_against_the_2015_one(client, demo):
    html = client.get(f"/inspections/{by_ref('WX-2016').id}").text
    words = text(html)
    assert "What changed" in words
    assert (
        "Of the 54 cells it rated: 24 improved, 0 declined, 29 stayed the same, 0 were rated for the first time, "
        "and 1 was a non-rating (nothing to compare)." in words
    )
    grid = table(html, "what-changed-grid")
    assert grid["Services for children and young people"][0] == "▲ Improved by 2 was Inadequate, Mar 2015"
    assert grid["Surgery"][0] == "▶ No change was Inadequate, Mar 2015"
    assert grid["Outpatients and diagnostic imaging"][1] == "Not a rating"
    assert grid["Overall for Whipps Cross University Hospital"][5] == "▶ No change was Inadequate, Mar 2015"


def test_a_renamed_service_is_compared_with_the_service_it_replaced(client, demo):
    # 2022's "Maternity" replaced 2019's "Maternity and gynaecology" (Requires improvement).
    html = client.get(f"/inspections/{by_ref('WX-2022-MAT').id}").text
    grid = table(html, "what-changed-grid")
    was = "▶ No change was Requires improvement, Feb 2019, under the service it replaced"
    unrated = "–Not rated by this inspection"
    assert grid == {"Maternity": [was, unrated, unrated, unrated, was, was]}
    assert "0 improved, 0 declined, 3 stayed the same, 0 were rated for the first time." in text(html)


def test_the_first_report_has_nothing_earlier(client, demo):
    words = text(client.get(f"/inspections/{by_ref('WX-2015').id}").text)
    assert "0 improved, 0 declined, 0 stayed the same, 53 were rated for the first time, and 1 was a non-rating" in words


def test_an_internal_inspection_is_not_compared_with_official_ratings(client, demo):
    hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    from app.inspections.services import CellInput, create_inspection, publish, record_ratings

    urgent = db.session.scalar(select(Department).where(Department.code == "R1HKH-URGENT"))
    mock = create_inspection(hospital.trust, hospital=hospital, inspection_type="focused", source="mock")
    record_ratings(mock, [CellInput("Safe", "Outstanding", department=urgent)])
    publish(mock, date(2024, 1, 1))
    db.session.commit()
    html = client.get(f"/inspections/{mock.id}").text
    assert 'id="what-changed-grid"' not in html
    assert "An internal inspection is not compared with official ratings." in text(html)
    assert f'href="/inspections/{mock.id}/grid.csv"' in html


def test_a_draft_shows_no_changes_and_has_no_download(client, demo):
    hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    from app.inspections.services import CellInput, create_inspection, record_ratings

    draft = create_inspection(hospital.trust, hospital=hospital, inspection_type="focused")
    record_ratings(draft, [CellInput("Overall", "Good")])
    db.session.commit()
    html = client.get(f"/inspections/{draft.id}").text
    assert 'id="what-changed"' not in html
    assert client.get(f"/inspections/{draft.id}/grid.csv").status_code == 404
    assert client.get(f"/inspections/{draft.id}/grid.json").status_code == 404


# -- The inspection's grid as downloads ----------------------------------------------------------------


def test_the_inspections_grid_as_json(client, demo):
    inspection = by_ref("WX-2022-MAT")
    response = client.get(f"/inspections/{inspection.id}/grid.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="R1HKH-inspection-{inspection.id}-grid-2022-11-04.json"'
    )
    assert response.get_json() == {
        "hospital": "R1HKH",
        "as_of": "2022-11-04",
        "inspection_id": inspection.id,
        "cells": [
            {"service": "npimaternity", "key_question": kq, "rating": "Requires improvement", "date": "2022-11-04"}
            for kq in ("Safe", "Well-led", "Overall")
        ],
    }


def test_the_inspections_grid_as_csv_one_row_per_cell_it_gave(client, demo):
    inspection = by_ref("WX-2016")
    response = client.get(f"/inspections/{inspection.id}/grid.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="R1HKH-inspection-{inspection.id}-grid-2016-12-16.csv"'
    )
    body = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Service", "Service code", "Key question", "Rating", "Date", "Illustrative"]
    assert len(rows) - 1 == len(inspection.cells) == 54
    assert rows[1] == ["Urgent and emergency services", "urgent", "Safe", "Requires improvement", "2016-12-16", "yes"]
    assert rows[-1] == ["Overall for Whipps Cross University Hospital", "", "Overall", "Inadequate", "2016-12-16", "no"]


def test_an_unknown_inspection_download_is_a_404(client, demo):
    assert client.get("/inspections/999999/grid.csv").status_code == 404
    assert client.get("/inspections/999999/grid.json").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_every_role_downloads(app, demo, make_user, login_as, role):
    lead_of = [db.session.scalar(select(Department).where(Department.code == "R1HKH-URGENT"))] if role == "lead" else []
    client = login_as(app.test_client(), make_user(role, departments=lead_of))
    inspection = by_ref("WX-2019")
    for suffix in ("grid.csv", "grid.json"):
        assert client.get(f"/inspections/{inspection.id}/{suffix}").status_code == 200
    assert client.get(f"/inspections/{inspection.id}").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(app, demo):
    inspection = by_ref("WX-2019")
    for suffix in ("grid.csv", "grid.json"):
        response = app.test_client().get(f"/inspections/{inspection.id}/{suffix}")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
