"""The upload page in Chromium: a real file chosen and imported without JavaScript tricks, a
refused file, and axe on the form, the result and the error state (WCAG 2.2 AA)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.imports.sources import FIXTURES

pytestmark = pytest.mark.browser


def test_uploading_a_cqc_file_and_a_bad_one(page, sign_in, assert_accessible, shot, tmp_path):
    sign_in(page, "quality")
    page.goto("/imports")
    expect(page.get_by_role("heading", name="Import CQC ratings")).to_be_visible()
    assert_accessible(page)
    shot(page, "imports-form")

    records = json.loads((FIXTURES / "locations.json").read_text())
    bad = dict(records[4], reports=[dict(records[4]["reports"][0], reportDate="not a date")])
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps([records[0], bad]))
    page.locator("input[type=file][name=file]").set_input_files(str(bad_file))
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("Record 1 (locationId RK901), field reports[0].reportDate").first).to_be_visible()
    assert_accessible(page)
    shot(page, "imports-error")

    page.locator("input[type=file][name=file]").set_input_files(str(FIXTURES / "locations.json"))
    page.get_by_label("Dry run").check()
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_role("heading", name="Dry run: nothing was saved")).to_be_visible()
    assert_accessible(page)
    shot(page, "imports-dry-run")

    page.goto("/imports")
    page.locator("input[type=file][name=file]").set_input_files(str(FIXTURES / "locations.json"))
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_text("CQC ratings imported")).to_be_visible()
    assert_accessible(page)
    shot(page, "imports-result")

    page.goto("/imports")
    expect(page.get_by_role("table")).to_contain_text("locations.json")
    assert_accessible(page)
    shot(page, "imports-log")
