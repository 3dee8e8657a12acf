"""The ratings grid form: rows and accessible names, saving (only the cells given), carry-forward,
the suggested Overall and its reason, validation, audit events, access, and the live
suggestion script compared with the Python rules in Chromium."""

from __future__ import annotations

import json
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.domain.aggregate import suggest
from app.domain.ratings import GRID_COLUMNS, KEY_QUESTIONS, NON_RATINGS
from app.errors import ValidationError
from app.extensions import db
from app.inspections import services
from app.inspections.grids import hospital_grid
from app.inspections.models import Inspection, RatingCell
from app.inspections.services import CellInput, create_inspection, publish, record_ratings

ROLES_REFUSED = ("admin", "lead", "viewer")


# --- Reading the form back ---------------------------------------------------------------------


class FormPage(HTMLParser):
    """The form's selects (name -> selected value, and their aria-labelledby), text inputs, the
    text of every element with an id, and the error messages by the id they carry."""

    def __init__(self) -> None:
        super().__init__()
        self.selects: dict[str, str] = {}
        self.labelled_by: dict[str, list[str]] = {}
        self.inputs: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._select: str | None = None
        self._first: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "select":
            self._select = a["name"]
            self.labelled_by[a["name"]] = (a.get("aria-labelledby") or "").split()
            self.selects[a["name"]] = ""
        elif tag == "option" and self._select is not None:
            if "selected" in a:
                self.selects[self._select] = a.get("value", "")
        elif tag == "input" and a.get("type") == "text":
            self.inputs[a["name"]] = a.get("value", "")
        if tag not in ("input", "option", "br", "meta", "link", "img"):
            self._open.append((tag, a.get("id")))
            if a.get("id"):
                self.texts.setdefault(a["id"], "")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "select":
            self._select = None
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        for _, element_id in self._open:
            if element_id:
                self.texts[element_id] += data

    def text(self, element_id: str) -> str:
        return " ".join(self.texts.get(element_id, "").split())

    def accessible_name(self, select: str) -> str:
        return " ".join(self.text(i) for i in self.labelled_by[select])

    def post_data(self, **changes: str) -> dict[str, str]:
        """What a browser posts, with some fields changed."""
        data = {**self.selects, **self.inputs}
        unknown = set(changes) - set(data) - {"action", "correction_reason"}
        assert not unknown, f"no such fields: {unknown}"
        return data | changes


def read_form(response) -> FormPage:  # type: ignore[no-untyped-def]
    page = FormPage()
    page.feed(response.get_data(as_text=True))
    return page


def url(inspection: Inspection) -> str:
    return f"/inspections/{inspection.id}/ratings"


def field(department, key_question: str) -> str:  # type: ignore[no-untyped-def]
    row = "hospital" if department is None else f"department-{department.id}"
    return services.cell_field(row, key_question)


def cells_of(inspection: Inspection) -> dict[tuple[int | None, str], RatingCell]:
    db.session.expire_all()
    cells = db.session.scalars(select(RatingCell).where(RatingCell.inspection_id == inspection.id)).all()
    return {(c.department_id, c.key_question): c for c in cells}


def events_after(last_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)))


def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def services_of(departments):  # type: ignore[no-untyped-def]
    """Three departments of the hospital, and a fourth retired before the reports."""
    made = departments("urgent", "surgery", "npimaternity", "life")
    made["life"].retired_on = date(2015, 1, 1)
    db.session.flush()
    return made


@pytest.fixture
def comprehensive(inspect, services_of):  # type: ignore[no-untyped-def]
    """A comprehensive report published 1 February 2019 rating every row in full."""
    report = inspect(
        date(2019, 2, 1),
        {
            services_of["urgent"]: dict(zip(GRID_COLUMNS, "RI G G RI RI RI".split())),
            services_of["surgery"]: dict(zip(GRID_COLUMNS, "G G G G G G".split())),
            services_of["npimaternity"]: dict(zip(GRID_COLUMNS, "RI G G G RI RI".split())),
            None: dict(zip(GRID_COLUMNS, "RI G G RI RI RI".split())),
        },
    )
    db.session.commit()
    return report


@pytest.fixture
def focused(trust, hospital, comprehensive):  # type: ignore[no-untyped-def]
    """A draft focused inspection of the same hospital, visited in August 2022."""
    report = create_inspection(
        trust, hospital=hospital, inspection_type="focused",
        visit_start=date(2022, 8, 9), visit_end=date(2022, 8, 10),
    )
    db.session.commit()
    return report


@pytest.fixture
def client_as(app, make_user, login_as, services_of):  # type: ignore[no-untyped-def]
    def make(role: str):  # type: ignore[no-untyped-def]
        led = [services_of["urgent"]] if role == "lead" else []
        return login_as(app.test_client(), make_user(role, departments=led))

    return make


# --- The grid -----------------------------------------------------------------------------------


def test_the_grid_has_every_current_department_and_the_hospital_with_named_selects(quality_client, focused, services_of, hospital):
    response = quality_client.get(url(focused))
    assert response.status_code == 200
    page = read_form(response)
    rows = ["Urgent and emergency services", "Surgery", "Maternity", f"Overall for {hospital.name}"]
    expected = {
        field(department, column)
        for department in (services_of["urgent"], services_of["surgery"], services_of["npimaternity"], None)
        for column in GRID_COLUMNS
    }
    assert set(page.selects) == expected  # the retired department has no row
    for name in page.selects:
        accessible = page.accessible_name(name)
        column = next(c for c in GRID_COLUMNS if name.endswith("-" + c.lower()))
        assert column in accessible, name
        assert any(accessible.startswith(row) for row in rows), accessible
    assert page.accessible_name(field(services_of["urgent"], "Well-led")) == "Urgent and emergency services Well-led"
    # A reason box per row, labelled with the row.
    assert set(page.inputs) == {
        services.reason_field(f"department-{d.id}") for d in (services_of["urgent"], services_of["surgery"], services_of["npimaternity"])
    } | {"reason-hospital"}


def test_each_select_offers_blank_the_four_ratings_and_the_non_ratings_with_distinct_first_letters(quality_client, focused):
    html = quality_client.get(url(focused)).get_data(as_text=True)
    select = html[html.index("<select"):html.index("</select>")]
    options = [part.split(">", 1)[1].split("<", 1)[0] for part in select.split("<option")[1:]]
    assert options[0] == "Blank"
    assert options[1:5] == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert options[5:] == list(NON_RATINGS)
    first_letters = [o[0] for o in options[:5]]
    assert len(set(first_letters)) == 5
    # Typing a rating's first letter picks the rating: it comes before any option sharing it.
    for rating in options[1:5]:
        assert next(o for o in options if o[0] == rating[0]) == rating


def test_the_grid_is_prefilled_from_the_inspections_cells(quality_client, comprehensive, services_of):
    page = read_form(quality_client.get(url(comprehensive)))
    assert page.selects[field(services_of["urgent"], "Safe")] == "Requires improvement"
    assert page.selects[field(services_of["surgery"], "Overall")] == "Good"
    assert page.selects[field(None, "Well-led")] == "Requires improvement"


def test_a_trust_level_review_has_the_trust_row_only_with_well_led_and_overall(quality_client, trust):
    review = create_inspection(trust, hospital=None, inspection_type="well_led")
    db.session.commit()
    page = read_form(quality_client.get(url(review)))
    assert set(page.selects) == {"rating-trust-well-led", "rating-trust-overall"}
    assert page.accessible_name("rating-trust-well-led") == f"Trust: {trust.name} Well-led"


def test_an_unknown_inspection_is_404(quality_client, app):
    assert quality_client.get("/inspections/999/ratings").status_code == 404


# --- Saving ---------------------------------------------------------------------------------------


def test_saving_a_focused_inspection_that_rates_two_cells_stores_exactly_two(quality_client, focused, services_of):
    page = read_form(quality_client.get(url(focused)))
    urgent = services_of["urgent"]
    response = quality_client.post(url(focused), data=page.post_data(**{
        field(urgent, "Safe"): "Inadequate", field(urgent, "Overall"): "Requires improvement",
    }))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{focused.id}#ratings")
    cells = cells_of(focused)
    assert {key: c.rating for key, c in cells.items()} == {
        (urgent.id, "Safe"): "Inadequate", (urgent.id, "Overall"): "Requires improvement",
    }
    assert all(c.scope == "department" and c.override_reason is None for c in cells.values())


def test_carry_forward_through_the_form_after_publication(quality_client, focused, services_of, hospital):
    page = read_form(quality_client.get(url(focused)))
    urgent = services_of["urgent"]
    quality_client.post(url(focused), data=page.post_data(**{
        field(urgent, "Safe"): "Inadequate", field(urgent, "Overall"): "Requires improvement",
    }))
    published_on = date(2022, 11, 4)
    publish(db.session.get(Inspection, focused.id), published_on)
    db.session.commit()

    grid = hospital_grid(hospital, date(2023, 1, 1))
    dates = {(row.label, cell.key_question): (cell.rating, cell.published_on) for row in grid.rows for cell in row.cells if cell}
    assert dates[("Urgent and emergency services", "Safe")] == ("Inadequate", published_on)
    assert dates[("Urgent and emergency services", "Overall")] == ("Requires improvement", published_on)
    others = {key: value for key, value in dates.items() if key not in {
        ("Urgent and emergency services", "Safe"), ("Urgent and emergency services", "Overall")}}
    assert len(others) == 4 * 6 - 2
    assert {when for _, when in others.values()} == {date(2019, 2, 1)}

    before = hospital_grid(hospital, published_on - timedelta(days=1))
    old = {(row.label, cell.key_question): (cell.rating, cell.published_on) for row in before.rows for cell in row.cells if cell}
    assert old[("Urgent and emergency services", "Safe")] == ("Requires improvement", date(2019, 2, 1))
    assert {when for _, when in old.values()} == {date(2019, 2, 1)}
    assert len(old) == 4 * 6


def test_the_suggestion_counts_the_cells_carried_forward(quality_client, focused, services_of):
    # Urgent was RI G G RI RI; re-rating Safe Good leaves two Requires improvement carried
    # forward (Responsive, Well-led): the suggestion is Requires improvement, not Good.
    page = read_form(quality_client.get(url(focused)))
    urgent = services_of["urgent"]
    response = quality_client.post(url(focused), data=page.post_data(**{
        field(urgent, "Safe"): "Good", "action": "check",
    }))
    assert response.status_code == 200
    checked = read_form(response)
    row = f"department-{urgent.id}"
    assert "Requires improvement" in checked.text(f"suggestion-{row}")
    assert "2 of 5 ratings are Requires improvement" in checked.text(f"suggestion-{row}")
    assert "Effective, Caring, Responsive, Well-led as carried forward" in checked.text(f"suggestion-{row}")
    assert checked.selects[field(urgent, "Safe")] == "Good"  # kept, and nothing saved
    assert cells_of(focused) == {}


def test_a_differing_overall_without_a_reason_is_refused_on_its_row_and_keeps_the_choices(quality_client, focused, services_of):
    page = read_form(quality_client.get(url(focused)))
    urgent, surgery = services_of["urgent"], services_of["surgery"]
    last = last_event_id()
    response = quality_client.post(url(focused), data=page.post_data(**{
        field(urgent, "Safe"): "Good", field(urgent, "Overall"): "Good",  # suggested: RI
        field(surgery, "Caring"): "Outstanding",
    }))
    assert response.status_code == 400
    refused = read_form(response)
    reason = services.reason_field(f"department-{urgent.id}")
    message = refused.text(f"{reason}-error")
    assert "Urgent and emergency services" in message and "Requires improvement" in message
    assert f'href="#{reason}"' in response.get_data(as_text=True)  # the error summary links to it
    assert not refused.text(services.reason_field(f"department-{surgery.id}") + "-error")
    assert refused.selects[field(urgent, "Safe")] == "Good"
    assert refused.selects[field(urgent, "Overall")] == "Good"
    assert refused.selects[field(surgery, "Caring")] == "Outstanding"
    assert cells_of(focused) == {}
    assert events_after(last) == []


def test_a_differing_overall_with_a_reason_keeps_the_reason(quality_client, focused, services_of):
    page = read_form(quality_client.get(url(focused)))
    urgent = services_of["urgent"]
    reason = services.reason_field(f"department-{urgent.id}")
    response = quality_client.post(url(focused), data=page.post_data(**{
        field(urgent, "Safe"): "Good", field(urgent, "Overall"): "Good",
        reason: "Responsiveness has improved since the last report.",
    }))
    assert response.status_code == 302
    cells = cells_of(focused)
    assert cells[(urgent.id, "Overall")].override_reason == "Responsiveness has improved since the last report."
    assert cells[(urgent.id, "Safe")].override_reason is None


def test_an_untouched_row_recorded_without_a_reason_does_not_hold_up_other_rows(quality_client, focused, services_of):
    # Recorded (imported, say) with an Overall that differs from the suggestion and no reason.
    urgent, surgery = services_of["urgent"], services_of["surgery"]
    record_ratings(focused, [CellInput("Safe", "Good", department=urgent), CellInput("Overall", "Good", department=urgent)])
    db.session.commit()
    page = read_form(quality_client.get(url(focused)))
    assert quality_client.post(url(focused), data=page.post_data(**{field(surgery, "Safe"): "Good"})).status_code == 302
    # Changing that row asks for the reason.
    page = read_form(quality_client.get(url(focused)))
    refused = quality_client.post(url(focused), data=page.post_data(**{field(urgent, "Caring"): "Good"}))
    assert refused.status_code == 400
    assert read_form(refused).text(services.reason_field(f"department-{urgent.id}") + "-error")


def test_a_reason_is_dropped_when_the_overall_agrees_with_the_suggestion(quality_client, focused, services_of):
    page = read_form(quality_client.get(url(focused)))
    urgent = services_of["urgent"]
    quality_client.post(url(focused), data=page.post_data(**{
        field(urgent, "Overall"): "Requires improvement",
        services.reason_field(f"department-{urgent.id}"): "Not needed",
    }))
    assert cells_of(focused)[(urgent.id, "Overall")].override_reason is None


def test_a_rating_not_on_the_scale_is_refused_naming_the_cell(quality_client, focused, services_of):
    page = read_form(quality_client.get(url(focused)))
    surgery = services_of["surgery"]
    response = quality_client.post(url(focused), data=page.post_data(**{
        field(surgery, "Caring"): "Very good", field(surgery, "Safe"): "Good",
    }))
    assert response.status_code == 400
    message = read_form(response).text(field(surgery, "Caring") + "-error")
    assert "Surgery · Caring" in message and "'Very good'" in message
    assert cells_of(focused) == {}


def test_other_spellings_of_a_rating_are_stored_canonically(quality_client, focused, services_of):
    page = read_form(quality_client.get(url(focused)))
    surgery = services_of["surgery"]
    quality_client.post(url(focused), data=page.post_data(**{field(surgery, "Caring"): "requires_improvement"}))
    assert cells_of(focused)[(surgery.id, "Caring")].rating == "Requires improvement"


def test_the_service_refuses_the_same_cell_twice(focused, services_of):
    urgent = services_of["urgent"]
    with pytest.raises(ValidationError) as refused:
        services.replace_ratings(focused, [
            CellInput("Safe", "Good", department=urgent), CellInput("safe", "Inadequate", department=urgent),
        ])
    assert refused.value.errors == {field(urgent, "Safe"): "Urgent and emergency services · Safe is entered twice."}
    db.session.rollback()
    assert cells_of(focused) == {}


def test_posting_nothing_changes_nothing(quality_client, comprehensive):
    last = last_event_id()
    before = {key: c.rating for key, c in cells_of(comprehensive).items()}
    response = quality_client.post(url(comprehensive), data={})
    assert response.status_code == 302
    assert {key: c.rating for key, c in cells_of(comprehensive).items()} == before
    assert events_after(last) == []


# --- Audit ----------------------------------------------------------------------------------------


def test_created_changed_and_removed_cells_each_leave_an_audit_event(quality_client, focused, services_of, make_user, login_as, app):
    urgent, surgery = services_of["urgent"], services_of["surgery"]
    record_ratings(focused, [
        CellInput("Safe", "Good", department=urgent),
        CellInput("Caring", "Good", department=surgery),
    ])
    db.session.commit()
    kept = cells_of(focused)[(urgent.id, "Safe")]
    gone = cells_of(focused)[(surgery.id, "Caring")]
    user = make_user("quality")
    client = login_as(app.test_client(), user)
    page = read_form(client.get(url(focused)))
    last = last_event_id()
    response = client.post(url(focused), data=page.post_data(**{
        field(urgent, "Safe"): "Inadequate",  # changed
        field(surgery, "Caring"): "",  # removed
        field(surgery, "Effective"): "Outstanding",  # created
    }))
    assert response.status_code == 302
    cells = cells_of(focused)
    created = cells[(surgery.id, "Effective")]
    assert set(cells) == {(urgent.id, "Safe"), (surgery.id, "Effective")}
    events = events_after(last)
    assert [(e.action, e.record_kind, e.record_id) for e in events] == [
        ("update", "rating_cells", kept.id),
        ("create", "rating_cells", created.id),
        ("update", "inspections", focused.id),
    ]
    assert all(e.user_id == user.id for e in events)
    assert events[0].changes == {"rating": ["Good", "Inadequate"]}
    assert events[1].changes["rating"] == [None, "Outstanding"]
    assert events[1].changes["key_question"] == [None, "Effective"]
    assert events[2].changes == {"rating_cells": ["Surgery · Caring: Good", None]}
    assert db.session.get(RatingCell, gone.id) is None


def test_a_published_report_is_corrected_only_with_a_reason_which_is_audited(quality_client, comprehensive, services_of):
    surgery = services_of["surgery"]
    page = read_form(quality_client.get(url(comprehensive)))
    assert "This report is published" in quality_client.get(url(comprehensive)).get_data(as_text=True)
    change = {field(surgery, "Caring"): "Outstanding"}
    refused = quality_client.post(url(comprehensive), data=page.post_data(**change))
    assert refused.status_code == 400
    assert "enter why its ratings are being changed" in refused.get_data(as_text=True)
    assert cells_of(comprehensive)[(surgery.id, "Caring")].rating == "Good"

    last = last_event_id()
    response = quality_client.post(url(comprehensive), data=page.post_data(
        **change, correction_reason="Caring was entered wrongly from the report."))
    assert response.status_code == 302
    assert cells_of(comprehensive)[(surgery.id, "Caring")].rating == "Outstanding"
    events = events_after(last)
    assert [(e.action, e.record_kind) for e in events] == [("update", "rating_cells"), ("update", "inspections")]
    assert events[1].changes == {"ratings_correction": [None, "Caring was entered wrongly from the report."]}


def test_a_published_report_shows_every_problem_at_once(quality_client, comprehensive, services_of):
    surgery = services_of["surgery"]
    page = read_form(quality_client.get(url(comprehensive)))
    response = quality_client.post(url(comprehensive), data=page.post_data(**{
        field(surgery, "Overall"): "Inadequate",  # suggested: Good
    }))
    assert response.status_code == 400
    refused = read_form(response)
    assert refused.text(services.reason_field(f"department-{surgery.id}") + "-error")
    assert "enter why its ratings are being changed" in response.get_data(as_text=True)


def test_an_archived_inspection_cannot_have_its_ratings_changed(quality_client, focused, services_of):
    from app.audit.services import archive

    archive(focused, "Entered twice")
    db.session.commit()
    assert "Restore it before changing its ratings" in quality_client.get(url(focused)).get_data(as_text=True)
    response = quality_client.post(url(focused), data={field(services_of["urgent"], "Safe"): "Good"})
    assert response.status_code == 400
    assert cells_of(focused) == {}


# --- Access ---------------------------------------------------------------------------------------


def test_the_inspection_page_links_to_the_form_for_the_quality_team_only(client_as, focused):
    page = f"/inspections/{focused.id}"
    assert "Enter or change the ratings" in client_as("quality").get(page).get_data(as_text=True)
    for role in ROLES_REFUSED:
        assert "Enter or change the ratings" not in client_as(role).get(page).get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES_REFUSED)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_the_quality_team_may_use_the_form(client_as, focused, role, method):
    response = client_as(role).open(url(focused), method=method, data={})
    assert response.status_code == 403
    assert cells_of(focused) == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_visitors_are_sent_to_sign_in(client, focused, method):
    response = client.open(url(focused), method=method, data={})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# --- The live suggestion script in Chromium -------------------------------------------------------


SUGGEST_CASES = [
    [],
    ["Good"],
    ["Outstanding"],
    ["Inadequate"],
    ["Good", "Good", "Good", "Good", "Good"],
    ["Outstanding", "Outstanding", "Good", "Good", "Good"],
    ["Outstanding", "Good", "Good", "Good", "Good"],
    ["Outstanding", "Outstanding", "Good", "Good", "Requires improvement"],
    ["Requires improvement", "Good", "Good", "Good", "Good"],
    ["Requires improvement", "Requires improvement", "Good", "Good", "Good"],
    ["Inadequate", "Good", "Good", "Good", "Good"],
    ["Inadequate", "Inadequate", "Good", "Good", "Good"],
    ["Inadequate", "Requires improvement", "Requires improvement", "Good", "Outstanding"],
    ["Inspected but not rated", "Good", "Not rated"],
    ["Insufficient evidence to rate", "Outstanding"],
    ["requires_improvement", "GOOD", "inadequate"],
    ["Good"] * 8 + ["Outstanding"] * 3,
    ["Good"] * 6 + ["Requires improvement"] * 3,
    ["Good"] * 7 + ["Requires improvement"] * 2,
    ["Good"] * 6 + ["Inadequate"] * 3,
    ["Outstanding"] * 3 + ["Good"] * 6,
]


def test_the_script_suggests_exactly_what_the_python_suggests(static_page):
    context, page, errors = static_page({"/": "<!DOCTYPE html><title>t</title>"})
    try:
        page.goto("http://ql.test/")
        got = page.evaluate(
            """async (cases) => {
                const m = await import('/static/js/ratings.js')
                return cases.map((c) => m.suggest(c))
            }""",
            SUGGEST_CASES,
        )
    finally:
        context.close()
    assert errors == []
    expected = [
        {"rating": s.rating, "rule": s.rule, "explanation": s.explanation}
        for s in map(suggest, SUGGEST_CASES)
    ]
    assert got == expected


OVER_CASES = [
    ({"Safe": "Good"}, {"Safe": "Inadequate", "Caring": "Requires improvement"}),
    ({"Safe": "Inspected but not rated"}, {"Safe": "Requires improvement", "Effective": "Good"}),
    ({}, {"Safe": "Good", "Effective": "Good", "Caring": "Outstanding", "Responsive": "Outstanding", "Well-led": "Good"}),
    ({"Safe": "Not rated", "Effective": "Good"}, {}),
    ({"Well-led": "Inadequate", "Responsive": "Inadequate"}, {"Safe": "Good"}),
]


def test_the_script_counts_carried_forward_values_as_the_python_does(static_page):
    context, page, errors = static_page({"/": "<!DOCTYPE html><title>t</title>"})
    try:
        page.goto("http://ql.test/")
        got = page.evaluate(
            """async (cases) => {
                const m = await import('/static/js/ratings.js')
                return cases.map(([entered, carried]) => m.suggestOver(entered, carried, m.KEY_QUESTIONS))
            }""",
            [list(case) for case in OVER_CASES],
        )
    finally:
        context.close()
    assert errors == []
    for (entered, carried), result in zip(OVER_CASES, got):
        mine = services.suggest_over(entered, carried, KEY_QUESTIONS)
        assert result["suggestion"]["rating"] == mine.suggestion.rating
        assert result["suggestion"]["explanation"] == mine.suggestion.explanation
        assert tuple(result["carried"]) == mine.carried


def test_the_form_updates_its_suggestion_as_the_user_chooses(static_page, quality_client, focused, services_of):
    html = quality_client.get(url(focused)).get_data(as_text=True)
    urgent = services_of["urgent"]
    row = f"department-{urgent.id}"
    context, page, errors = static_page({"/form": html})
    try:
        page.goto("http://ql.test/form")
        suggestion = page.locator(f"#suggestion-{row}")
        assert "Requires improvement" in suggestion.inner_text()
        differs = suggestion.locator("[data-suggestion-differs]")
        assert differs.is_hidden()
        # Two Inadequate among five: the suggestion becomes Inadequate, live.
        page.select_option(f"#{field(urgent, 'Safe')}", "Inadequate")
        page.select_option(f"#{field(urgent, 'Well-led')}", "Inadequate")
        expected = services.suggest_over(
            {"Safe": "Inadequate", "Well-led": "Inadequate"},
            {"Effective": "Good", "Caring": "Good", "Responsive": "Requires improvement"},
            KEY_QUESTIONS,
        ).suggestion
        assert suggestion.locator("[data-suggestion-rating]").inner_text().strip() == expected.rating == "Inadequate"
        assert suggestion.locator("[data-suggestion-why]").inner_text() == expected.explanation
        page.select_option(f"#{field(urgent, 'Overall')}", "Good")
        assert differs.is_visible()
        page.select_option(f"#{field(urgent, 'Overall')}", "Inadequate")
        assert differs.is_hidden()
        # The hospital row's key questions: the suggestion from the services updates too (Safe:
        # urgent Inadequate now, surgery Good and maternity Requires improvement carried forward).
        services_hint = page.locator(f"#{field(None, 'Safe')}-services [data-services-rating]")
        assert services_hint.inner_text() == suggest(["Inadequate", "Good", "Requires improvement"]).rating
    finally:
        context.close()
    assert errors == []


def test_the_carried_values_the_script_reads_are_the_servers(quality_client, focused, services_of):
    html = quality_client.get(url(focused)).get_data(as_text=True)
    urgent = services_of["urgent"]
    marker = f'data-suggestion-row="department-{urgent.id}" data-carried=\''
    carried = json.loads(html.split(marker, 1)[1].split("'", 1)[0])
    assert carried == {"Safe": "Requires improvement", "Effective": "Good", "Caring": "Good",
                       "Responsive": "Requires improvement", "Well-led": "Requires improvement"}
