"""axe on every page of issue 4 (inspections and ratings), as it is and with its form refused.

Each page is its own test, signed in as the quality team (who see every control these pages
have), covering the page's other states (a grid as of an earlier date, the internal grid, a
draft inspection, a published report's ratings) and its error states. Error states are reached
the way a user reaches them: by submitting the form with something wrong, or by following a
link with a date that is not one. No state may have a serious or critical axe violation
(tests/browser/conftest.py, assert_accessible). The pages share one test each, rather than one
test per state, because every test pays for its own demo trust and sign-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.inspections.models import Inspection
from app.inspections.services import CellInput, create_inspection, publish, record_ratings
from app.organisations.models import Department, Hospital

pytestmark = pytest.mark.browser

Records = dict[str, int]
Step = Callable[[Page, Records], None]  # from a page as opened, to another state of it

URGENT = "Urgent and emergency services"
BAD_DATE = "2016-02-30"


@pytest.fixture
def records(live_server) -> Records:  # type: ignore[no-untyped-def]
    """Ids the pages need: demo records of Whipps Cross, plus a draft focused inspection and a
    published mock inspection (the demo has neither)."""
    hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    urgent = db.session.scalar(
        select(Department).where(Department.hospital_id == hospital.id, Department.service_code == "urgent")
    )
    by_ref = {
        i.report_ref: i for i in db.session.scalars(select(Inspection).where(Inspection.hospital_id == hospital.id))
    }
    today = date.today()
    draft = create_inspection(
        hospital.trust, hospital=hospital, inspection_type="focused", notice="unannounced",
        visit_start=today - timedelta(days=30), visit_end=today - timedelta(days=29),
    )
    mock = create_inspection(
        hospital.trust, hospital=hospital, inspection_type="comprehensive", source="mock",
        visit_start=today - timedelta(days=60), visit_end=today - timedelta(days=60),
    )
    record_ratings(mock, [
        CellInput(key_question="Safe", rating="Good", department=urgent),
        CellInput(key_question="Overall", rating="Requires improvement", department=urgent),
    ])
    publish(mock, today - timedelta(days=50))
    db.session.flush()
    ids = {
        "urgent": urgent.id,
        "wx_2016": by_ref["WX-2016"].id,  # published, with findings and enforcement
        "wx_2019": by_ref["WX-2019"].id,
        "draft": draft.id,
    }
    db.session.commit()  # end the transaction so the live server can write (SQLite)
    return ids


# -- Steps: to the page's other states, and ways to have its form refused ----------------------


def visit(path: str) -> Step:
    return lambda page, records: page.goto(path.format(**records))


def submit(button: str, fields: dict[str, str] | None = None) -> Step:
    """Fill the labelled fields (label -> value) and press the button."""

    def go(page: Page, records: Records) -> None:
        for label, value in (fields or {}).items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name=button, exact=True).click()

    return go


def choose_and_save(choices: dict[str, str], button: str = "Save ratings") -> Step:
    """Choose ratings in the grid form (accessible name of the select -> rating) and save."""

    def go(page: Page, records: Records) -> None:
        for name, rating in choices.items():
            page.get_by_role("combobox", name=name, exact=True).select_option(rating)
        page.get_by_role("button", name=button, exact=True).click()

    return go


def archive_without_reason(page: Page, records: Records) -> None:
    page.locator("summary", has_text="Archive this inspection").click()
    page.get_by_role("button", name="Archive this inspection").click()


def score_off_the_scale(page: Page, records: Records) -> None:
    # The radios offer only 1 to 4; a crafted post (here, an edited page) can send anything,
    # and the form must say which statement is wrong.
    radio = page.locator('input[type="radio"][data-saf-score]').nth(1)
    radio.evaluate("(radio) => { radio.value = '7'; radio.checked = true; }")
    page.get_by_role("button", name="Save scores").click()


def then(*steps: Step) -> Step:
    def go(page: Page, records: Records) -> None:
        for step in steps:
            step(page, records)

    return go


def show_the_internal_grid(page: Page, records: Records) -> None:
    page.get_by_label("Show the latest internal (mock or peer review) inspection's grid beside it").check()
    page.get_by_role("button", name="Show ratings").click()
    expect(page.get_by_role("table", name=re.compile(r"^Internal mock ratings for "))).to_be_visible()


def calculate(page: Page, records: Records) -> None:
    page.locator('input[type="radio"][data-saf-score][value="3"]').first.check()
    page.get_by_role("button", name="Calculate").click()


@dataclass(frozen=True)
class Case:
    path: str  # formatted with the records' ids
    errors: tuple[Step, ...] = ()  # each from the page as opened; must end on an error page
    states: tuple[Step, ...] = ()  # other states of the page, without errors


PAGES: dict[str, Case] = {
    "home": Case("/"),
    "trust": Case(
        "/trusts/R1H",
        states=(visit("/trusts/R1H?as_of=2016-06-01"),),
        errors=(visit(f"/trusts/R1H?as_of={BAD_DATE}"),),
    ),
    "hospital": Case(
        "/hospitals/R1HKH",
        states=(visit("/hospitals/R1HKH?as_of=2016-06-01"), show_the_internal_grid),
        errors=(visit(f"/hospitals/R1HKH?as_of={BAD_DATE}"),),
    ),
    "department": Case("/departments/{urgent}"),
    "inspections list": Case(
        "/inspections",
        states=(visit("/inspections?hospital=R1HKH&source=official&type=comprehensive"
                      "&published_from=2015-01-01&published_to=2019-12-31&archived=1"),),
        errors=(submit("Apply filters", {"Published from": "2019-01-01", "Published to": "2015-12-31"}),),
    ),
    "inspection": Case(
        "/inspections/{wx_2016}",  # published, with findings and enforcement
        states=(visit("/inspections/{draft}"),),  # a draft, with the publish form
        errors=(
            archive_without_reason,
            # Refused publication: the publish confirmation page (publish.html) with the problem.
            then(visit("/inspections/{draft}"), submit("Publish", {"Publication date": "2000-01-01"})),
            then(visit("/inspections/{draft}"), submit("Publish", {"Publication date": ""})),
        ),
    ),
    "new inspection": Case(
        "/inspections/new",
        errors=(
            submit("Save as a draft"),
            submit("Save as a draft", {"First day of the visit (optional)": "2025-03-10",
                                       "Last day of the visit (optional)": "2025-03-05",
                                       "Link to the published report (optional)": "javascript:alert(1)"}),
        ),
    ),
    "edit inspection": Case(
        "/inspections/{wx_2016}/edit",
        errors=(submit("Save changes", {"Publication date (optional)": "",
                                        "Last day of the visit (optional)": "2016-02-30"}),),
    ),
    "ratings grid": Case(
        "/inspections/{draft}/ratings",
        states=(
            choose_and_save({f"{URGENT} Safe": "Good"}, button="Check suggestions"),
            visit("/inspections/{wx_2019}/ratings"),  # a published report: corrections need a reason
        ),
        errors=(
            choose_and_save({f"{URGENT} Safe": "Good", f"{URGENT} Overall": "Inadequate"}),
            then(visit("/inspections/{wx_2019}/ratings"), choose_and_save({f"{URGENT} Safe": "Good"})),
        ),
    ),
    "SAF scores": Case(
        "/inspections/{wx_2019}/saf",
        states=(calculate, visit("/inspections/{wx_2019}/saf?row=department-{urgent}")),
        errors=(score_off_the_scale,),
    ),
    "new finding": Case("/inspections/{wx_2019}/findings/new", errors=(submit("Add the finding"),)),
    "new enforcement": Case(
        "/inspections/{wx_2019}/enforcement/new",
        errors=(submit("Add the enforcement", {"Start date": "2019-02-30", "What it requires": ""}),),
    ),
    "new trust": Case("/trusts/new", errors=(submit("Add trust", {"ODS code": "R1H"}),)),
    "edit trust": Case(
        "/trusts/R1H/edit",
        errors=(submit("Save changes", {"Name": "", "Date formed (optional)": "2012-13-01"}),),
    ),
    "new hospital": Case("/trusts/R1H/hospitals/new", errors=(submit("Add hospital", {"ODS site code": "R1"}),)),
    "edit hospital": Case("/hospitals/R1HKH/edit", errors=(submit("Save changes", {"Name": ""}),)),
    "new department": Case("/hospitals/R1HKH/departments/new", errors=(submit("Add department"),)),
    "edit and retire department": Case(
        "/departments/{urgent}/edit",
        errors=(
            submit("Save changes", {"Name": ""}),
            submit("Retire department", {"Date retired": ""}),
            submit("Retire department", {"Date retired": "2026-02-30"}),
        ),
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_as_it_is_and_with_its_form_refused(
    page: Page, sign_in, records: Records, assert_accessible, name: str
) -> None:
    case = PAGES[name]
    sign_in(page, "quality")
    path = case.path.format(**records)

    def open_page() -> None:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        expect(page.locator(".nhsuk-error-summary")).to_have_count(0)

    open_page()
    assert_accessible(page)

    for state in case.states:
        open_page()
        state(page, records)
        expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
        assert_accessible(page)

    for error in case.errors:
        open_page()
        error(page, records)
        expect(page).to_have_title(re.compile(r"^Error: "))
        summary = page.locator(".nhsuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("There is a problem")
        assert_accessible(page)
