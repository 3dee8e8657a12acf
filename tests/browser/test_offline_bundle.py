"""The offline bundle in a real browser: index.html opens from file:// with nothing fetched from
anywhere else, its links lead to the hospital and action pages, and a hospital page passes axe.
And the Exports page: accessible, and its offline download is a zip with index.html."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.exports.offline import write_offline
from app.extensions import db
from app.models_support import utcnow

pytestmark = pytest.mark.browser


@pytest.fixture
def file_page(browser):  # type: ignore[no-untyped-def]
    """A page that may load file:// URLs only: any other request is refused and fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    elsewhere: list[str] = []

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(route.request.url).scheme in ("file", "data", "about"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not elsewhere, f"the bundle asked for something outside itself: {elsewhere}"
    assert not errors, f"JavaScript errors: {errors}"


def test_the_bundle_opens_from_file_and_its_links_work(app, demo, file_page, assert_accessible, tmp_path: Path):
    target = tmp_path / "usb-stick" / "ql-offline"
    write_offline(target, date.today(), utcnow())
    db.session.commit()
    page = file_page
    page.goto((target / "index.html").as_uri())
    assert page.get_by_role("heading", level=1).inner_text().startswith("Where things stand on")
    assert "Read-only copy, made" in page.locator(".banner").inner_text()

    page.get_by_role("link", name="Whipps Cross University Hospital").click()
    page.wait_for_url("**/hospitals/R1HKH.html")
    assert "Whipps Cross University Hospital" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("table").first.get_by_text("Requires improvement").count() > 0
    assert "Overdue by" in page.locator("body").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="All open actions").click()
    page.wait_for_url("**/actions.html")
    assert page.get_by_role("heading", level=1).inner_text() == "Open actions"
    assert page.locator("tbody tr").count() == 5
    page.get_by_role("link", name="Back to all hospitals").click()
    page.wait_for_url("**/index.html")

    # Every link on every page leads to a file of the bundle (checked by the browser's own
    # resolution of each href).
    for html in sorted(target.rglob("*.html")):
        page.goto(html.as_uri())
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(href)
            assert parts.scheme == "file", href
            assert Path(parts.path).is_file(), href
            assert target in Path(parts.path).parents


def test_the_exports_page_is_accessible_and_downloads_the_offline_copy(page, sign_in, assert_accessible, shot):
    sign_in(page, "quality")
    page.goto("/exports")
    assert page.get_by_role("heading", level=1).inner_text() == "Exports"
    shot(page, "exports")
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download offline copy (zip)").click()
    download = info.value
    assert download.suggested_filename == f"quality-ledger-offline-{date.today().isoformat()}.zip"
    names = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())).namelist()
    assert f"quality-ledger-offline-{date.today().isoformat()}/index.html" in names
