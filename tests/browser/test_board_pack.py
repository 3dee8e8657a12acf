"""A board viewer previews the Whipps Cross board pack and downloads it as a PDF."""

from __future__ import annotations

from pathlib import Path


def test_a_viewer_previews_and_downloads_the_board_pack(page, sign_in, assert_accessible, tmp_path):
    sign_in(page, "viewer")
    page.get_by_role("link", name="Board packs").first.click()
    page.wait_for_url("**/board-packs")
    assert_accessible(page)
    page.get_by_label("Trust or hospital").select_option("R1HKH")
    page.get_by_role("button", name="Show the preview").click()
    page.wait_for_url("**/board-packs?subject=R1HKH*")
    preview = page.locator("article.ql-pack")
    assert "Position as of" in preview.inner_text()
    assert "All midwives and obstetricians complete annual fetal monitoring training" in preview.inner_text()
    assert page.get_by_role("button", name="Issue to board").count() == 0  # viewers cannot issue
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this board pack as a PDF").click()
    download = download_info.value
    saved = Path(tmp_path) / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename.startswith("board-pack-R1HKH-") and saved.suffix == ".pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
