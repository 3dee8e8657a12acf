"""Recording an inspection in a real browser (issue 4, "Browser tests").

A quality-team user records a focused official inspection of Whipps Cross through the form,
enters its ratings in the grid with the keyboard alone, saves and publishes it, and the
hospital's grid changes only in the cells it re-rated (DOMAIN.md "Current ratings are per cell,
not per inspection"); the "as of" date picker brings back the grid of the day before. Forms
that are refused show their problems in an error summary whose links lead to the fields, and
keep what the user typed.

Set QL_SHOTS to a folder to keep a full-page screenshot of each step of the flow there
(the `shot` fixture of tests/browser/conftest.py).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from app.extensions import db
from app.inspections.models import Inspection
from app.inspections.services import create_inspection
from app.organisations.models import Department, Hospital

pytestmark = pytest.mark.browser

WHIPPS_CROSS = "Whipps Cross University Hospital"
GRID_CAPTION = f"Official CQC ratings for {WHIPPS_CROSS} by service and key question"
URGENT = "Urgent and emergency services"
COLUMNS = ["Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"]
LATEST_FULL_REPORT = "2019-02-01"  # the demo's 2019 comprehensive report of Whipps Cross

# The hospital grid as a user sees it: row header -> column -> (rating word, <time datetime>),
# None for an empty cell; the word without the star, the dagger and the screen-reader text.
READ_GRID = """
(table) => {
  const columns = [...table.querySelectorAll('thead th')].slice(1).map(th => th.textContent.trim());
  const grid = {};
  for (const tr of table.querySelectorAll('tbody tr')) {
    const row = {};
    tr.querySelectorAll('td').forEach((td, i) => {
      const badge = td.querySelector('.ql-rating');
      if (!badge) { row[columns[i]] = null; return; }
      const word = badge.cloneNode(true);
      word.querySelectorAll('[aria-hidden="true"], .nhsuk-u-visually-hidden').forEach(e => e.remove());
      const time = td.querySelector('time');
      row[columns[i]] = [word.textContent.trim(), time && time.getAttribute('datetime')];
    });
    grid[tr.querySelector('th').textContent.trim()] = row;
  }
  return {columns, grid};
}
"""


def read_grid(page: Page) -> dict[str, dict[str, list[str] | None]]:
    table = page.get_by_role("table", name=GRID_CAPTION)
    expect(table).to_be_visible()
    result = table.evaluate(READ_GRID)
    assert result["columns"] == COLUMNS
    return result["grid"]


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("(element) => element === document.activeElement")


def tab_to(page: Page, target: Locator, limit: int = 150) -> int:
    """Press Tab until `target` has the focus; returns how many presses it took. Fails if the
    target is not reached: it would be out of the keyboard's reach."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if is_focused(target):
            return presses
    pytest.fail(f"{target} was not reached with {limit} presses of Tab", pytrace=False)


def focus_first_part(field: Locator) -> None:
    """Focus a date picker at its first part (focusing it again keeps the part it was at)."""
    field.blur()
    field.focus()


def date_field_order(page: Page, field: Locator) -> list[str]:
    """The order of an <input type="date">'s day, month and year parts, which follows the
    browser's own locale: found by stepping each of the first two parts up by one."""
    order: list[str] = []
    for _ in range(2):
        field.fill("2001-02-03")
        focus_first_part(field)
        for _ in order:
            page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        order.append({"2002-02-03": "year", "2001-03-03": "month", "2001-02-04": "day"}[field.input_value()])
    field.fill("")
    return order + [part for part in ("day", "month", "year") if part not in order]


def type_date(page: Page, field: Locator, day: date) -> None:
    """Type a date into a date picker with the keyboard, part by part, as a user would."""
    digits = {"day": f"{day:%d}", "month": f"{day:%m}", "year": f"{day:%Y}"}
    order = date_field_order(page, field)
    focus_first_part(field)
    for part in order:
        page.keyboard.type(digits[part])  # two digits of a day or month move on to the next part


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def signed_in_quality(page: Page, sign_in):  # type: ignore[no-untyped-def]
    return sign_in(page, "quality")


def test_a_quality_user_records_rates_with_the_keyboard_and_publishes_a_focused_inspection(
    page: Page, signed_in_quality, assert_accessible, shot
) -> None:
    today = date.today()
    visit_start, visit_end = today - timedelta(days=40), today - timedelta(days=39)
    published = today - timedelta(days=7)

    # The grid before: every urgent and emergency cell from the 2019 report.
    page.goto("/")
    page.get_by_role("link", name=WHIPPS_CROSS).click()
    page.wait_for_url("**/hospitals/R1HKH")
    before = read_grid(page)
    assert {cell[1] for cell in before[URGENT].values() if cell} == {LATEST_FULL_REPORT}
    assert before[URGENT]["Safe"][0] == "Requires improvement"

    # -- Record the inspection: the hospital page's link, then the details form by keyboard ---
    page.get_by_role("link", name="Record an inspection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an inspection")
    hospital = page.get_by_label("Hospital", exact=True)
    expect(hospital).to_have_value("R1HKH")  # chosen by the link's ?hospital=
    hospital.focus()
    page.keyboard.press("Tab")
    official = page.get_by_role("radio", name="Official CQC inspection")
    expect(official).to_be_focused()
    page.keyboard.press("Space")
    expect(official).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Comprehensive")).to_be_focused()
    page.keyboard.press("ArrowDown")  # arrows move through a radio group and choose
    expect(page.get_by_role("radio", name="Focused")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Announced", exact=True)).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Unannounced")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("First day of the visit (optional)")).to_be_focused()
    page.keyboard.type(visit_start.isoformat())
    page.keyboard.press("Tab")
    page.keyboard.type(visit_end.isoformat())
    page.keyboard.press("Tab")
    expect(page.get_by_label("Publication date (optional)")).to_be_focused()
    page.keyboard.press("Tab")  # published later, when it is published
    page.keyboard.type("WX-FOCUSED-URGENT")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Link to the published report (optional)")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Summary (optional)")).to_be_focused()
    page.keyboard.type("Focused inspection of the emergency department.")
    shot(page, "01-new-inspection")
    save = page.get_by_role("button", name="Save as a draft")
    tab_to(page, save, limit=3)  # past the report document chooser
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Focused inspection$"))
    expect(page.locator(".nhsuk-tag", has_text="Draft")).to_be_visible()
    expect(page.get_by_text("has been recorded as a draft")).to_be_visible()
    inspection_url = page.url
    shot(page, "02-draft")
    assert_accessible(page)

    # -- The ratings grid: Tab to the cells, choose by typing and with the arrow keys --------
    page.get_by_role("link", name="Enter or change the ratings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Enter or change the ratings$"))
    safe = page.get_by_role("combobox", name=f"{URGENT} Safe")
    responsive = page.get_by_role("combobox", name=f"{URGENT} Responsive")
    overall = page.get_by_role("combobox", name=f"{URGENT} Overall")
    tab_to(page, safe)
    page.keyboard.type("Good")  # a select picks the option its typed letters start
    expect(safe).to_have_value("Good")
    for _ in range(3):  # Effective and Caring are not re-rated: left blank
        page.keyboard.press("Tab")
    expect(responsive).to_be_focused()
    page.keyboard.press("ArrowDown")  # Blank -> Outstanding
    page.keyboard.press("ArrowDown")  # -> Good
    expect(responsive).to_have_value("Good")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(overall).to_be_focused()
    page.keyboard.type("Good")
    expect(overall).to_have_value("Good")
    for other in ("Effective", "Caring", "Well-led"):
        expect(page.get_by_role("combobox", name=f"{URGENT} {other}")).to_have_value("")
    # The suggestion follows the choices: Good (Safe, Responsive entered; Effective, Caring and
    # Well-led carried forward: one Requires improvement of five), so no reason is asked for.
    suggestion = page.locator(".ql-suggestion", has=page.get_by_text(f"for {URGENT}"))
    expect(suggestion.locator("[data-suggestion-rating]")).to_have_text("Good")
    expect(suggestion.locator("[data-suggestion-differs]")).to_be_hidden()
    shot(page, "03-ratings-grid")
    assert_accessible(page)
    save_ratings = page.get_by_role("button", name="Save ratings")
    tab_to(page, save_ratings)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(re.escape(inspection_url) + "#ratings$"))
    expect(page.get_by_text("The ratings have been saved: 3 cells added.")).to_be_visible()
    given = page.get_by_role("table", name="Ratings given by this inspection, by service and key question")
    expect(given.locator("tbody tr")).to_have_count(1)
    expect(given.locator("tbody tr th")).to_have_text(URGENT)
    expect(given.locator(".ql-rating")).to_have_text(["Good", "Good", "Good"])

    # -- Publish ---------------------------------------------------------------------------------
    publish_date = page.locator("#published_on")
    publish_date.focus()
    page.keyboard.type(published.isoformat())
    shot(page, "04-publish")
    page.keyboard.press("Enter")
    expect(page.get_by_text(
        f"The inspection is published. Its ratings count in the official grid from {long_date(published)}."
    )).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(f"Focused inspection, {long_date(published)}$")
    )
    shot(page, "05-published")
    assert_accessible(page)

    # -- The hospital's grid: only the three cells changed ----------------------------------------
    page.locator(".nhsuk-breadcrumb").get_by_role("link", name=WHIPPS_CROSS).click()
    page.wait_for_url("**/hospitals/R1HKH")
    after = read_grid(page)
    new = published.isoformat()
    assert after[URGENT] == {
        "Safe": ["Good", new],
        "Effective": before[URGENT]["Effective"],
        "Caring": before[URGENT]["Caring"],
        "Responsive": ["Good", new],
        "Well-led": before[URGENT]["Well-led"],
        "Overall": ["Good", new],
    }
    assert after[URGENT]["Effective"] == ["Good", LATEST_FULL_REPORT]
    assert {row: cells for row, cells in after.items() if row != URGENT} == {
        row: cells for row, cells in before.items() if row != URGENT
    }
    safe_cell = page.get_by_role("table", name=GRID_CAPTION).locator("tbody tr", has_text=URGENT).locator("td").first
    expect(safe_cell.locator("time")).to_have_text(f"{published:%b %Y}")
    expect(safe_cell.locator(".ql-trend")).to_contain_text("Improved by 1, previously Requires improvement")
    shot(page, "06-hospital-after")

    # -- The date picker: the day before publication brings back the old grid -------------------
    day_before = published - timedelta(days=1)
    picker = page.get_by_label("Show ratings as they stood on")
    type_date(page, picker, day_before)
    expect(picker).to_have_value(day_before.isoformat())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/hospitals/R1HKH\?as_of={day_before.isoformat()}$"))
    expect(page.get_by_role("heading", name=f"Ratings as they stood on {long_date(day_before)}")).to_be_visible()
    assert read_grid(page) == before
    shot(page, "07-hospital-day-before")
    assert_accessible(page)


def test_the_new_inspection_form_points_to_each_problem_and_keeps_what_was_typed(
    page: Page, signed_in_quality, assert_accessible, shot
) -> None:
    recorded = db.session.scalar(select(func.count(Inspection.id)))
    db.session.commit()
    page.goto("/inspections/new?hospital=R1HKH")
    page.get_by_role("radio", name="Official CQC inspection").check()
    page.get_by_role("radio", name="Focused").check()
    page.get_by_role("radio", name="Short-notice announced").check()
    typed = {
        "First day of the visit (optional)": "2025-03-10",
        "Last day of the visit (optional)": "2025-03-05",
        "Publication date (optional)": "2025-03-01",
        "Report reference (optional)": "WX-2025-ERR",
        "Link to the published report (optional)": "https://www.cqc.org.uk/location/R1HKH",
        "Summary (optional)": "Typed before the form was refused.",
    }
    for label, value in typed.items():
        page.get_by_label(label).fill(value)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save as a draft").click()
    assert posted.value.status == 400

    expect(page).to_have_title("Error: Record an inspection – Quality Ledger")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()  # read first by a screen reader
    end_message = "The visit cannot end before it starts."
    published_message = ("The report cannot be published before the visit: the publication date must "
                         "be on or after the last day of the visit, 5 March 2025.")
    links = summary.get_by_role("link")
    expect(links).to_have_text([end_message, published_message])
    expect(links.nth(0)).to_have_attribute("href", "#visit_end")
    expect(links.nth(1)).to_have_attribute("href", "#published_on")
    expect(page.locator("#visit_end-error")).to_have_text(f"Error: {end_message}")
    expect(page.locator("#published_on-error")).to_have_text(f"Error: {published_message}")
    expect(page.get_by_label("Last day of the visit (optional)")).to_have_attribute(
        "aria-describedby", re.compile(r"\bvisit_end-error\b")
    )
    # Everything typed is still there.
    expect(page.get_by_label("Hospital", exact=True)).to_have_value("R1HKH")
    expect(page.get_by_role("radio", name="Official CQC inspection")).to_be_checked()
    expect(page.get_by_role("radio", name="Focused")).to_be_checked()
    expect(page.get_by_role("radio", name="Short-notice announced")).to_be_checked()
    for label, value in typed.items():
        expect(page.get_by_label(label)).to_have_value(value)
    shot(page, "10-new-inspection-errors")
    assert_accessible(page)

    # From the summary, the keyboard goes to the field: Tab to a link, Enter.
    page.keyboard.press("Tab")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("Tab")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Publication date (optional)")).to_be_focused()
    links.nth(0).click()
    expect(page.get_by_label("Last day of the visit (optional)")).to_be_focused()

    # Nothing was saved; putting the dates right saves the draft.
    assert db.session.scalar(select(func.count(Inspection.id))) == recorded
    db.session.commit()
    page.get_by_label("Last day of the visit (optional)").fill("2025-03-12")
    page.get_by_label("Publication date (optional)").fill("2025-06-20")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("has been recorded as a draft")).to_be_visible()
    assert db.session.scalar(select(func.count(Inspection.id))) == recorded + 1
    db.session.commit()


@pytest.fixture
def draft_focused(live_server) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A draft focused official inspection of Whipps Cross without ratings, and the id of its
    urgent and emergency department: (inspection id, department id)."""
    hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    urgent = db.session.scalar(
        select(Department).where(Department.hospital_id == hospital.id, Department.service_code == "urgent")
    )
    today = date.today()
    inspection = create_inspection(
        hospital.trust, hospital=hospital, inspection_type="focused", notice="unannounced",
        visit_start=today - timedelta(days=30), visit_end=today - timedelta(days=29),
    )
    db.session.flush()
    ids = inspection.id, urgent.id
    db.session.commit()
    return ids


def test_the_ratings_form_asks_why_an_overall_differs_and_keeps_the_choices(
    page: Page, signed_in_quality, draft_focused, assert_accessible, shot
) -> None:
    inspection_id, urgent_id = draft_focused
    page.goto(f"/inspections/{inspection_id}/ratings")
    chosen = {"Safe": "Good", "Responsive": "Good", "Overall": "Outstanding"}
    for column, rating in chosen.items():
        page.get_by_role("combobox", name=f"{URGENT} {column}").select_option(rating)
    suggestion = page.locator(f"#suggestion-department-{urgent_id}")
    expect(suggestion.locator("[data-suggestion-rating]")).to_have_text("Good")
    expect(suggestion.locator("[data-suggestion-differs]")).to_be_visible()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save ratings").click()
    assert posted.value.status == 400

    expect(page).to_have_title(re.compile(r"^Error: Enter or change the ratings"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    message = f"{URGENT}: enter why the Overall (Outstanding) differs from the suggested Good."
    link = summary.get_by_role("link", name=message)
    reason_id = f"reason-department-{urgent_id}"
    expect(link).to_have_attribute("href", f"#{reason_id}")
    expect(page.locator(f"#{reason_id}-error")).to_have_text(f"Error: {message}")
    # The choices are kept, and the page says again what differs.
    for column in ("Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"):
        expect(page.get_by_role("combobox", name=f"{URGENT} {column}")).to_have_value(chosen.get(column, ""))
    expect(suggestion.locator("[data-suggestion-differs]")).to_be_visible()
    shot(page, "11-ratings-errors")
    assert_accessible(page)

    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    reason = page.locator(f"#{reason_id}")
    expect(reason).to_be_focused()
    page.keyboard.type("Inspectors judged the emergency department's leadership outstanding.")
    page.keyboard.press("Enter")  # submits with the form's first button, Save ratings
    expect(page.get_by_text("The ratings have been saved: 3 cells added.")).to_be_visible()
    expect(page.get_by_text(
        "the published rating differs from the suggested one because Inspectors judged the "
        "emergency department's leadership outstanding."
    )).to_be_visible()
