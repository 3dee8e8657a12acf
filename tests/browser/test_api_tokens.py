"""The token pages in Chromium: an administrator issues a token through the form (errors first),
copies it from the page that shows it once, a program reads the API with it, and the
administrator revokes it. axe checks each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db

pytestmark = pytest.mark.browser


def test_an_administrator_issues_uses_and_revokes_a_token(page, live_server, sign_in, make_user,
                                                          assert_accessible, shot):
    reader_email = make_user("viewer", name="Dashboard Reader").email
    db.session.commit()  # end the read so the live server can write (SQLite)
    sign_in(page, "admin")
    page.goto("/api-tokens")
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("No tokens have been issued.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Issue a token").click()
    page.get_by_label("Expiry date").fill("tomorrow")
    page.get_by_role("button", name="Issue token").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose the user the token acts as")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter what the token is for")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Expiry date must be a real date")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    shot(page, "api-token-errors")

    page.get_by_label("User the token acts as").select_option(label=f"Dashboard Reader ({reader_email}), Board viewer")
    page.get_by_label("What the token is for").fill("Power BI quality dashboard")
    page.get_by_label("Expiry date").fill("2099-03-31")
    page.get_by_role("button", name="Issue token").click()
    expect(page.get_by_role("heading", name="API token issued")).to_be_visible()
    token = page.get_by_label("The token").input_value()
    assert token.startswith("ql_") and len(token) == 46
    assert_accessible(page)
    shot(page, "api-token-issued")

    answer = page.request.get(f"{live_server}/api/v1/hospitals/R1HKH/grid",
                              headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200 and answer.json()["hospital"] == "R1HKH"

    page.get_by_role("button", name="Back to API tokens").click()
    row = page.locator("tr", has_text="Power BI quality dashboard")
    expect(row).to_contain_text("Dashboard Reader")
    expect(row).to_contain_text("31 March 2099")
    assert token not in page.content()
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(".ql-flash")).to_contain_text("has been revoked")
    expect(page.locator("tr", has_text="Power BI quality dashboard")).to_contain_text("Revoked")
    assert_accessible(page)
    shot(page, "api-token-list")
    refused = page.request.get(f"{live_server}/api/v1/trusts", headers={"Authorization": f"Bearer {token}"})
    assert refused.status == 401
