"""The four roles through the browser: each signs in through the form, sees what the role may
do and nothing more, and is refused what it may not do. axe checks every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.actions.models import Action
from app.extensions import db


@pytest.fixture
def open_action(live_server):  # type: ignore[no-untyped-def]
    """An unfinished demo action that belongs to a department: (id, department)."""
    action = db.session.scalars(
        select(Action)
        .where(Action.department_id.is_not(None), Action.status.in_(("open", "in_progress")))
        .order_by(Action.id)
    ).first()
    found = action.id, action.department
    db.session.commit()  # end the read so the live server can write (SQLite)
    return found


def nav_links(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("a.nhsuk-header__navigation-link").all_inner_texts()]


# role -> (nav links, may archive, may post updates, may open the users page, may read the audit log)
ROLES = {
    "admin": (["Hospitals", "Inspections", "Actions", "Board packs", "Audit log", "Imports", "Exports", "Users", "API tokens"], True, False, True, True),
    "quality": (["Hospitals", "Inspections", "Actions", "My actions", "Board packs", "Audit log", "Imports", "Exports"], True, True, False, True),
    "lead": (["Hospitals", "Inspections", "Actions", "My actions", "Board packs"], False, True, False, False),
    "viewer": (["Hospitals", "Inspections", "Actions", "Board packs"], False, False, False, False),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_what_it_may_do_and_nothing_more(page: Page, sign_in, open_action, assert_accessible, role):
    links, may_archive, may_update, may_admin, may_audit = ROLES[role]
    action_id, department = open_action
    user = sign_in(page, role, departments=[department] if role == "lead" else ())
    del user
    db.session.commit()

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert nav_links(page) == links
    expect(page.locator(".nhsuk-header__account")).to_contain_text(re.compile(r"\((Administrator|Quality team|Department lead|Board viewer)\)"))
    assert_accessible(page)

    # Everyone reads a hospital's grid, an inspection and an action.
    page.goto("/hospitals/R1HKH")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Whipps Cross")
    page.get_by_role("link", name=re.compile("inspection, ")).first.click()
    expect(page.get_by_role("heading", level=2, name="Findings")).to_be_visible()
    # The archive form folds away under a <details> summary; only roles that may archive get it.
    assert (page.locator("summary", has_text="Archive this inspection").count() > 0) is may_archive
    assert_accessible(page)

    page.goto(f"/actions/{action_id}")
    assert page.get_by_role("heading", name="Post a progress update").count() == (1 if may_update else 0)
    assert page.get_by_role("button", name="Mark as completed").count() == (1 if may_update else 0)
    assert page.locator("summary", has_text="Archive this action").count() == (1 if may_archive else 0)
    assert_accessible(page)

    if may_update:
        page.get_by_label("Progress update").fill(f"Progress posted by the {role} in the browser")
        page.get_by_role("button", name="Post update").click()
        expect(page.locator(".ql-user-text", has_text=f"Progress posted by the {role} in the browser")).to_be_visible()

    # Pages of other roles are refused with the house 403 page, links or not.
    for path, allowed in (("/admin/users", may_admin), ("/audit", may_audit)):
        response = page.goto(path)
        assert response is not None
        if allowed:
            assert response.status == 200
            assert_accessible(page)
        else:
            assert response.status == 403
            expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to do this")

    # Signing out ends the session: the pages ask for sign-in again.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert_accessible(page)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))


def test_a_refused_sign_in_is_accessible_and_says_what_to_do(page: Page, assert_accessible):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill("nobody@example.nhs.uk")
    page.get_by_label("Password").fill("not the right password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The email address or password is not right.")
    assert_accessible(page)
