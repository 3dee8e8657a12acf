"""A user's path through the hospitals of the demo trust, in a real browser.

The home page lists Barts Health's five hospitals with their overall ratings; Whipps Cross's page
shows its per-cell grid (DOMAIN.md "The ratings grid": cells keep the date of the report that
rated them), and the "as of" form brings back the grid as it stood on an earlier date.
Every page visited is checked with axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

WHIPPS_CROSS = "Whipps Cross University Hospital"
GRID_CAPTION = f"Official CQC ratings for {WHIPPS_CROSS} by service and key question"
HOSPITAL_ROW = f"Overall for {WHIPPS_CROSS}"
COLUMNS = ["Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"]

# Reads the grid as a user sees it: per row header, per column header, the rating's word (without
# the star, the dagger and the screen-reader-only text) and the cell's <time>. null = empty cell.
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
      row[columns[i]] = {
        rating: word.textContent.trim(),
        datetime: time && time.getAttribute('datetime'),
        shown: time && time.textContent.trim(),
        trend: [...td.querySelectorAll('.ql-trend .nhsuk-u-visually-hidden')].map(e => e.textContent.trim()).join(' '),
      };
    });
    grid[tr.querySelector('th').textContent.trim()] = row;
  }
  return {columns, grid};
}
"""


@pytest.fixture(autouse=True)
def signed_in_as_viewer(page: Page, sign_in) -> None:  # type: ignore[no-untyped-def]
    """The grid pages are read by every role; a board viewer is the least privileged."""
    sign_in(page, "viewer")


def read_grid(page: Page) -> dict[str, dict[str, dict[str, str] | None]]:
    table = page.get_by_role("table", name=GRID_CAPTION)
    expect(table).to_be_visible()
    result = table.evaluate(READ_GRID)
    assert result["columns"] == COLUMNS
    return result["grid"]


def open_whipps_cross(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name=WHIPPS_CROSS).click()
    page.wait_for_url("**/hospitals/R1HKH")  # and for the load event: styles and scripts applied
    expect(page.get_by_role("heading", level=1)).to_contain_text(WHIPPS_CROSS)


def test_home_page_lists_the_trust_and_its_five_hospitals(page: Page, assert_accessible) -> None:
    page.goto("/")

    expect(page).to_have_title("Hospitals – Quality Ledger")
    expect(page.get_by_role("heading", level=2, name=re.compile("Barts Health NHS Trust"))).to_be_visible()
    table = page.get_by_role("table", name="Hospitals of Barts Health NHS Trust")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(5)
    listed = {}
    for row in rows.all():
        cells = row.locator("td")
        hospital = cells.nth(0).get_by_role("link").inner_text()
        rated_on = cells.nth(2).locator("time")
        listed[hospital] = (cells.nth(1).locator(".ql-rating").inner_text().strip(),
                            rated_on.get_attribute("datetime"), rated_on.inner_text())
    assert listed == {
        "Mile End Hospital": ("Good", "2019-02-01", "1 February 2019"),
        "Newham University Hospital": ("Requires improvement", "2016-12-16", "16 December 2016"),
        "St Bartholomew's Hospital": ("Good", "2019-02-01", "1 February 2019"),
        "The Royal London Hospital": ("Requires improvement", "2019-02-01", "1 February 2019"),
        WHIPPS_CROSS: ("Requires improvement", "2019-02-01", "1 February 2019"),
    }
    assert_accessible(page)


def test_whipps_cross_shows_each_cell_with_the_date_of_the_report_that_rated_it(
    page: Page, assert_accessible
) -> None:
    open_whipps_cross(page)

    expect(page).to_have_title(f"{WHIPPS_CROSS} – Quality Ledger")
    expect(page.get_by_role("heading", name="Current ratings")).to_be_visible()
    grid = read_grid(page)
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
        HOSPITAL_ROW,
    ]
    # The 2022 focused inspection re-rated three maternity cells; the rest still date from 2019.
    maternity = grid.pop("Maternity")
    assert {kq: cell and (cell["rating"], cell["datetime"], cell["shown"])
            for kq, cell in maternity.items()} == {
        "Safe": ("Requires improvement", "2022-11-04", "Nov 2022"),
        "Effective": None,
        "Caring": None,
        "Responsive": None,
        "Well-led": ("Requires improvement", "2022-11-04", "Nov 2022"),
        "Overall": ("Requires improvement", "2022-11-04", "Nov 2022"),
    }
    others = [cell for row in grid.values() for cell in row.values() if cell]
    assert len(others) == 9 * 6 - 1  # diagnostic imaging has no Effective entry
    assert {(cell["datetime"], cell["shown"]) for cell in others} == {("2019-02-01", "Feb 2019")}
    assert grid["Diagnostic imaging"]["Effective"] is None
    assert grid["Outpatients"]["Effective"]["rating"] == "Inspected but not rated"
    # Trend against the cell's previous rating, in words for screen readers as well as arrows.
    assert grid[HOSPITAL_ROW]["Caring"]["rating"] == "Good"
    assert grid[HOSPITAL_ROW]["Caring"]["trend"] == "Improved by 1, previously Requires improvement"
    assert grid[HOSPITAL_ROW]["Safe"]["trend"] == "No change, previously Requires improvement"
    assert_accessible(page)


def test_the_as_of_form_shows_the_grid_as_it_stood_in_2016(page: Page, assert_accessible) -> None:
    open_whipps_cross(page)
    assert_accessible(page)

    page.get_by_label("Show ratings as they stood on").fill("2016-06-01")
    page.get_by_role("button", name="Show ratings").click()

    page.wait_for_url(re.compile(r"/hospitals/R1HKH\?as_of=2016-06-01$"))
    expect(page.get_by_role("heading", name="Ratings as they stood on 1 June 2016")).to_be_visible()
    expect(page.get_by_label("Show ratings as they stood on")).to_have_value("2016-06-01")
    grid = read_grid(page)
    # Before the 2018 split and the 2022 rename, the old services are still in the grid.
    assert "Maternity and gynaecology" in grid and "Maternity" not in grid
    assert "Outpatients and diagnostic imaging" in grid and "Diagnostic imaging" not in grid
    urgent_overall = grid["Urgent and emergency services"]["Overall"]
    assert (urgent_overall["rating"], urgent_overall["datetime"], urgent_overall["shown"]) == (
        "Inadequate", "2015-03-17", "Mar 2015"
    )
    assert grid[HOSPITAL_ROW]["Overall"]["rating"] == "Inadequate"
    cells = [cell for row in grid.values() for cell in row.values()]
    assert all(cells), "every cell of the 2015 report is filled"
    assert {(cell["datetime"], cell["shown"]) for cell in cells} == {("2015-03-17", "Mar 2015")}
    assert_accessible(page)


def test_an_impossible_as_of_date_gets_a_clear_error(page: Page, assert_accessible) -> None:
    # The field is a date picker, which cannot hold 30 February; an address typed or pasted by
    # hand can, and the page must say what is wrong with it.
    page.goto("/hospitals/R1HKH?as_of=2016-02-30")
    field = page.get_by_label("Show ratings as they stood on")

    message = "Enter the date as a real date, for example 2016-06-01."
    expect(page).to_have_title(f"Error: {WHIPPS_CROSS} – Quality Ledger")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", "#as_of")
    expect(page.locator("#as_of-error")).to_have_text(f"Error: {message}")
    expect(field).to_have_attribute("aria-describedby", re.compile("as_of-error"))
    # Nothing is silently reinterpreted: the page still shows today's grid, and says so.
    expect(page.get_by_role("heading", name="Current ratings")).to_be_visible()
    assert_accessible(page)


def test_pages_fit_a_phone_and_the_tables_scroll_in_their_own_box(
    page: Page, assert_accessible
) -> None:
    # 320 CSS pixels: the narrowest width WCAG's reflow criterion asks for.
    page.set_viewport_size({"width": 320, "height": 800})
    page_width = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

    page.goto("/")
    scroll_width, width = page.evaluate(page_width)
    assert scroll_width <= width, f"the home page scrolls sideways at 320px: {scroll_width}"
    assert_accessible(page)

    open_whipps_cross(page)
    scroll_width, width = page.evaluate(page_width)
    assert scroll_width <= width, f"the hospital page scrolls sideways at 320px: {scroll_width}"
    expect(page.get_by_role("link", name="Back to Hospitals")).to_be_visible()
    region = page.get_by_role("region", name=GRID_CAPTION)
    region.focus()  # the NHS.UK scroll component makes it focusable, so keyboards can scroll it
    expect(region).to_be_focused()
    assert region.evaluate("(box) => box.scrollWidth > box.clientWidth"), "expected a wide grid"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=region.element_handle())
    assert_accessible(page)
