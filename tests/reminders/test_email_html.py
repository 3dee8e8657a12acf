"""The HTML part as a reader's mail program shows it: Chromium renders it and axe-core finds no
accessibility violation at all (a short document has no excuse for minor ones either)."""

from __future__ import annotations

from .test_send_reminders import links_in, parts


def test_the_html_digest_is_accessible_and_readable_narrow(world, smtp, send, browser):
    from axe_playwright_python.sync_playwright import Axe

    send()
    _text, html = parts(smtp.recorder.to("alice@example.nhs.uk")[0])
    page = browser.new_page(viewport={"width": 360, "height": 800})
    try:
        page.set_content(html)
        violations = Axe().run(page).response["violations"]
        assert violations == [], [(v["id"], v["help"]) for v in violations]
        assert page.locator("h1").inner_text() == "Your actions overdue or due soon"
        assert page.locator("h2").all_inner_texts() == ["Overdue (2)", "Due within 7 days, by 9 March 2026 (2)"]
        # Nothing wider than a phone's screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert [title for _href, title in links_in(html)] == page.locator("a").all_inner_texts()
    finally:
        page.close()
