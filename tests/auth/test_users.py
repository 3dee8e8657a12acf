"""The administrator's user pages: list, create, edit, deactivate, reactivate and set a new
password; who may use them; their errors; their audit events; and sessions they end."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth import passwords
from app.auth.models import User
from app.extensions import db
from app.organisations.services import (
    create_department,
    create_hospital,
    create_trust,
    retire_department,
)

NEW_PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def places(app):  # type: ignore[no-untyped-def]
    """Two hospitals with departments; Royal London's maternity is retired."""
    trust = create_trust(ods_code="R1H", name="Barts Health NHS Trust")
    whipps = create_hospital(trust, ods_code="R1HKH", name="Whipps Cross University Hospital")
    royal = create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital")
    places = SimpleNamespace(
        whipps_urgent=create_department(whipps, service_code="urgent"),
        whipps_surgery=create_department(whipps, service_code="surgery"),
        royal_surgery=create_department(royal, service_code="surgery"),
        royal_maternity=create_department(royal, service_code="maternity"),
    )
    retire_department(places.royal_maternity, date(2020, 1, 1))
    db.session.commit()
    return places


@pytest.fixture
def admin(make_user):  # type: ignore[no-untyped-def]
    return make_user("admin", name="Ada Admin", email="ada.admin@example.nhs.uk")


@pytest.fixture
def admin_client(app, admin, login_as):  # type: ignore[no-untyped-def]
    return login_as(app.test_client(), admin)


@pytest.fixture
def viewer(make_user):  # type: ignore[no-untyped-def]
    return make_user("viewer", name="Vic Viewer", email="vic.viewer@example.nhs.uk")


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """The page's words, without markup."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def user_events(user_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_kind == "users", AuditEvent.record_id == user_id)
        .order_by(AuditEvent.id)
    ))


def counts() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def signed_in_elsewhere(app, login_as, user):  # type: ignore[no-untyped-def]
    """A second browser where `user` is signed in."""
    other = login_as(app.test_client(), user)
    assert other.get("/account").status_code == 200
    return other


def assert_signed_out(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def assert_error(response, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    """A 400 page whose error summary links the message to the field."""
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    assert f'href="#{field}"' in response.get_data(as_text=True)
    assert f'id="{field}"' in response.get_data(as_text=True)


# -- Who may use the pages -------------------------------------------------------------------------

ROUTES = [
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{id}"),
    ("POST", "/admin/users/{id}"),
    ("POST", "/admin/users/{id}/deactivate"),
    ("POST", "/admin/users/{id}/reactivate"),
    ("POST", "/admin/users/{id}/password"),
]


@pytest.mark.parametrize("role", ["quality", "lead", "viewer"])
@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_other_roles_are_refused(app, make_user, login_as, places, viewer, role, method, url):
    departments = [places.whipps_urgent] if role == "lead" else []
    client = login_as(app.test_client(), make_user(role, departments=departments))
    before = counts()
    response = client.open(
        url.format(id=viewer.id), method=method,
        data={"name": "Changed", "role": "admin", "password": NEW_PASSWORD},
    )
    assert response.status_code == 403
    assert counts() == before
    assert fresh(viewer).name == "Vic Viewer" and fresh(viewer).active


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(client, viewer, method, url):
    response = client.open(url.format(id=viewer.id), method=method, data={"name": "Changed"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert fresh(viewer).name == "Vic Viewer"


def test_the_users_link_shows_only_to_an_administrator(admin_client, viewer_client):
    assert 'href="/admin/users"' in admin_client.get("/account").get_data(as_text=True)
    assert 'href="/admin/users"' not in viewer_client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(("method", "url"), [r for r in ROUTES if "{id}" in r[1]])
def test_an_unknown_user_is_not_found(admin_client, method, url):
    response = admin_client.open(url.format(id=9999), method=method, data={"name": "x"})
    assert response.status_code == 404
    assert "There is no user with the number 9999." in text_of(response)


# -- The list --------------------------------------------------------------------------------------


def test_the_list_shows_every_user_with_role_departments_and_status(
    admin_client, make_user, places, admin
):
    lead = make_user("lead", name="Lee Lead", departments=[places.whipps_urgent, places.royal_surgery])
    gone = make_user("quality", name="Gone Quality")
    gone.active = False
    db.session.commit()

    response = admin_client.get("/admin/users")
    assert response.status_code == 200
    page = text_of(response)
    assert 'href="/admin/users/new"' in response.get_data(as_text=True)
    assert "Create a user" in page
    for user in (admin, lead, gone):
        assert f'href="/admin/users/{user.id}"' in response.get_data(as_text=True)
        assert user.email in page
    assert "Ada Admin (you)" in page
    assert "Department lead" in page and "Administrator" in page
    assert "Urgent and emergency services, Whipps Cross University Hospital" in page
    assert "Surgery, The Royal London Hospital" in page
    # Deactivated accounts are listed, last, and say so in words.
    assert "Gone Quality" in page and "Deactivated" in page
    assert page.index("Gone Quality") > page.index("Lee Lead")


# -- Creating --------------------------------------------------------------------------------------


def test_the_new_user_form_offers_current_departments_by_hospital(admin_client, places):
    response = admin_client.get("/admin/users/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    for department in (places.whipps_urgent, places.whipps_surgery, places.royal_surgery):
        assert f'value="{department.id}"' in html
    assert f'value="{places.royal_maternity.id}"' not in html  # retired
    assert "Whipps Cross University Hospital" in page and "The Royal London Hospital" in page
    assert "<legend" in html and 'autocomplete="new-password"' in html
    for role in ("Administrator", "Quality team", "Department lead", "Board viewer"):
        assert role in page


def test_an_administrator_creates_a_lead(admin_client, admin, places):
    response = admin_client.post("/admin/users/new", data={
        "email": " Lee.Lead@Example.NHS.uk ",
        "name": "Lee Lead",
        "job_title": "Clinical director",
        "role": "lead",
        "departments": [str(places.whipps_urgent.id), str(places.royal_surgery.id)],
        "password": NEW_PASSWORD,
    })
    user = db.session.scalar(select(User).where(User.email == "lee.lead@example.nhs.uk"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert (user.name, user.job_title, user.role, user.active) == ("Lee Lead", "Clinical director", "lead", True)
    assert user.department_ids == {places.whipps_urgent.id, places.royal_surgery.id}
    assert passwords.verify(user.password_hash, NEW_PASSWORD)

    (event,) = user_events(user.id)
    assert (event.action, event.user_id) == ("create", admin.id)
    assert event.changes["email"] == [None, "lee.lead@example.nhs.uk"]
    assert event.changes["role"] == [None, "lead"]
    assert event.changes["department_ids"] == [None, sorted([places.whipps_urgent.id, places.royal_surgery.id])]
    assert NEW_PASSWORD not in str(event.changes)
    assert event.changes["password_hash"][1].startswith("[redacted ")

    page = text_of(admin_client.get(response.headers["Location"]))
    assert "Account created for Lee Lead" in page


def test_a_created_user_can_sign_in(admin_client, app):
    admin_client.post("/admin/users/new", data={
        "email": "vi@example.nhs.uk", "name": "Vi", "role": "viewer", "password": NEW_PASSWORD,
    })
    response = app.test_client().post("/sign-in", data={"email": "vi@example.nhs.uk", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


VALID_NEW = {"email": "new.person@example.nhs.uk", "name": "New Person", "role": "viewer", "password": NEW_PASSWORD}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter an email address in the correct format"),
        ({"email": ""}, "email", "Enter the person's email address."),
        ({"email": "ADA.admin@example.nhs.uk"}, "email", "An account for ada.admin@example.nhs.uk already exists."),
        ({"name": "  "}, "name", "Enter the person's name."),
        ({"role": "boss"}, "role", "Not a valid choice"),
        ({"role": None}, "role", "Choose a role."),
        ({"password": "short pw"}, "password", "The password must be at least 12 characters long."),
        ({"password": "password12345!"}, "password", "This password is too common"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "password", "This password is too common"),
        ({"password": "new.person@example.nhs.uk"}, "password", "The password must not be your email address."),
        ({"password": ""}, "password", "Enter a password."),
        ({"role": "lead"}, "departments", "Choose at least one department for a department lead."),
        ({"departments": "WHIPPS"}, "departments", "could not be coerced"),
    ],
)
def test_creating_with_a_problem_saves_nothing(admin_client, admin, places, changes, field, message):
    data = {key: value for key, value in (VALID_NEW | changes).items() if value is not None}
    before = counts()
    response = admin_client.post("/admin/users/new", data=data)
    assert_error(response, field, message)
    assert counts() == before
    assert "Error: Create a user" in text_of(response)  # the page title says so too


def test_a_department_not_on_the_list_is_refused(admin_client, places):
    before = counts()
    response = admin_client.post("/admin/users/new", data=VALID_NEW | {
        "role": "lead", "departments": [str(places.royal_maternity.id)],  # retired
    })
    assert response.status_code == 400 and "is not a valid choice" in text_of(response)
    assert counts() == before


def test_only_a_lead_has_departments(admin_client, places):
    before = counts()
    response = admin_client.post("/admin/users/new", data=VALID_NEW | {"departments": [str(places.whipps_urgent.id)]})
    assert_error(response, "departments", "Only a department lead has departments.")
    assert counts() == before


def test_creating_ignores_fields_the_form_does_not_have(admin_client, places):
    admin_client.post("/admin/users/new", data=VALID_NEW | {
        "active": "0", "session_token": "chosen-by-the-attacker", "password_hash": "x", "id": "77",
    })
    user = db.session.scalar(select(User).where(User.email == VALID_NEW["email"]))
    assert user.active and user.session_token != "chosen-by-the-attacker" and user.id != 77
    assert passwords.verify(user.password_hash, NEW_PASSWORD)


# -- Editing ---------------------------------------------------------------------------------------


def test_the_edit_page_shows_the_account_its_forms_and_history(admin_client, viewer):
    response = admin_client.get(f"/admin/users/{viewer.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert viewer.email in page and 'value="Vic Viewer"' in html
    assert 'value="viewer" checked' in html
    assert f'action="/admin/users/{viewer.id}/password"' in html
    assert f'action="/admin/users/{viewer.id}/deactivate"' in html
    assert "History (1 change)" in page


def test_an_administrator_makes_a_viewer_a_lead(app, admin_client, admin, viewer, places, login_as):
    elsewhere = signed_in_elsewhere(app, login_as, viewer)
    response = admin_client.post(f"/admin/users/{viewer.id}", data={
        "name": "Vic Lead", "job_title": "Matron", "role": "lead",
        "departments": [str(places.whipps_surgery.id)],
    })
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{viewer.id}"
    user = fresh(viewer)
    assert (user.name, user.job_title, user.role) == ("Vic Lead", "Matron", "lead")
    assert user.department_ids == {places.whipps_surgery.id}

    create, update = user_events(viewer.id)
    assert (update.action, update.user_id) == ("update", admin.id)
    assert update.changes["name"] == ["Vic Viewer", "Vic Lead"]
    assert update.changes["job_title"] == [None, "Matron"]
    assert update.changes["role"] == ["viewer", "lead"]
    assert update.changes["department_ids"] == [[], [places.whipps_surgery.id]]
    assert_signed_out(elsewhere)  # the new role applies at once

    page = text_of(admin_client.get(f"/admin/users/{viewer.id}"))
    assert "The changes to Vic Lead's account have been saved." in page
    assert "History (2 changes)" in page


def test_changing_only_the_name_keeps_the_users_sessions(app, admin_client, viewer, login_as):
    elsewhere = signed_in_elsewhere(app, login_as, viewer)
    response = admin_client.post(f"/admin/users/{viewer.id}", data={"name": "Victoria Viewer", "role": "viewer"})
    assert response.status_code == 302
    assert fresh(viewer).name == "Victoria Viewer"
    assert elsewhere.get("/account").status_code == 200
    assert len(user_events(viewer.id)) == 2


def test_a_lead_keeps_a_retired_department_unless_unticked(admin_client, make_user, places):
    lead = make_user("lead", departments=[places.royal_maternity, places.whipps_urgent])
    html = admin_client.get(f"/admin/users/{lead.id}").get_data(as_text=True)
    assert f'value="{places.royal_maternity.id}" checked' in html and "(retired)" in html
    response = admin_client.post(f"/admin/users/{lead.id}", data={
        "name": lead.name, "role": "lead",
        "departments": [str(places.royal_maternity.id), str(places.whipps_urgent.id)],
    })
    assert response.status_code == 302
    assert fresh(lead).department_ids == {places.royal_maternity.id, places.whipps_urgent.id}


def test_editing_ignores_fields_the_form_does_not_have(app, admin_client, viewer, login_as):
    elsewhere = signed_in_elsewhere(app, login_as, viewer)
    token, password_hash = viewer.session_token, viewer.password_hash
    response = admin_client.post(f"/admin/users/{viewer.id}", data={
        "name": "Vic Viewer", "role": "viewer", "job_title": "Governor",
        "active": "0", "session_token": "chosen-by-the-attacker", "email": "attacker@example.com",
        "password": NEW_PASSWORD, "password_hash": "x", "id": "77",
    })
    assert response.status_code == 302
    user = fresh(viewer)
    assert (user.job_title, user.active, user.email, user.id) == ("Governor", True, "vic.viewer@example.nhs.uk", viewer.id)
    assert (user.session_token, user.password_hash) == (token, password_hash)
    assert elsewhere.get("/account").status_code == 200
    (_, update) = user_events(viewer.id)
    assert set(update.changes) == {"job_title"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "role": "viewer"}, "name", "Enter the person's name."),
        ({"name": "x" * 201, "role": "viewer"}, "name", "The name must be 200 characters or fewer."),
        ({"name": "Vic", "role": "lead"}, "departments", "Choose at least one department for a department lead."),
        ({"name": "Vic", "role": "boss"}, "role", "Not a valid choice"),
    ],
)
def test_editing_with_a_problem_saves_nothing(admin_client, viewer, places, data, field, message):
    before = counts()
    response = admin_client.post(f"/admin/users/{viewer.id}", data=data)
    assert_error(response, field, message)
    assert counts() == before
    user = fresh(viewer)
    assert (user.name, user.role, user.department_ids) == ("Vic Viewer", "viewer", set())


def test_an_administrator_cannot_change_their_own_role(admin_client, admin):
    before = counts()
    response = admin_client.post(f"/admin/users/{admin.id}", data={"name": "Ada Renamed", "role": "quality"})
    assert_error(response, "role", "You cannot change your own role; ask another administrator.")
    assert counts() == before
    assert (fresh(admin).name, fresh(admin).role) == ("Ada Admin", "admin")


def test_another_administrator_can_change_an_administrators_role(app, make_user, login_as, admin, admin_client):
    other = make_user("admin", name="Other Admin")
    response = admin_client.post(f"/admin/users/{other.id}", data={"name": "Other Admin", "role": "viewer"})
    assert response.status_code == 302 and fresh(other).role == "viewer"


# -- Deactivating and reactivating -----------------------------------------------------------------


def test_deactivating_ends_the_users_sessions_and_reactivating_lets_them_back(
    app, admin_client, admin, viewer, login_as, test_password
):
    elsewhere = signed_in_elsewhere(app, login_as, viewer)
    response = admin_client.post(f"/admin/users/{viewer.id}/deactivate")
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{viewer.id}"
    assert not fresh(viewer).active
    assert_signed_out(elsewhere)
    page = text_of(admin_client.get(f"/admin/users/{viewer.id}"))
    assert "has been deactivated" in page and "Reactivate account" in page
    refused = app.test_client().post("/sign-in", data={"email": viewer.email, "password": test_password})
    assert refused.status_code == 400

    response = admin_client.post(f"/admin/users/{viewer.id}/reactivate")
    assert response.status_code == 302 and fresh(viewer).active
    signed_in = app.test_client().post("/sign-in", data={"email": viewer.email, "password": test_password})
    assert signed_in.status_code == 302

    _, deactivated, reactivated = user_events(viewer.id)
    assert deactivated.changes["active"] == [True, False] and deactivated.user_id == admin.id
    assert reactivated.changes["active"] == [False, True] and reactivated.user_id == admin.id
    assert set(deactivated.changes) == {"active", "session_token"}


def test_an_administrator_cannot_deactivate_themself(admin_client, admin):
    before = counts()
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 400
    assert "You cannot deactivate your own account." in text_of(response)
    assert counts() == before and fresh(admin).active
    # Still signed in.
    assert admin_client.get("/admin/users").status_code == 200


# -- Setting a new password ------------------------------------------------------------------------


def test_setting_a_new_password_ends_the_users_sessions(app, admin_client, admin, viewer, login_as, test_password):
    elsewhere = signed_in_elsewhere(app, login_as, viewer)
    old_hash = viewer.password_hash
    response = admin_client.post(f"/admin/users/{viewer.id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{viewer.id}"
    user = fresh(viewer)
    assert passwords.verify(user.password_hash, NEW_PASSWORD)
    assert not passwords.verify(user.password_hash, test_password)
    assert_signed_out(elsewhere)

    (_, update) = user_events(viewer.id)
    assert update.user_id == admin.id and set(update.changes) == {"password_hash", "session_token"}
    before, after = update.changes["password_hash"]
    assert before != after and before.startswith("[redacted ") and old_hash not in str(update.changes)
    assert NEW_PASSWORD not in str(update.changes)
    assert NEW_PASSWORD not in admin_client.get(f"/admin/users/{viewer.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter a password."),
        ("too short", "The password must be at least 12 characters long."),
        ("qwertyuiop123", "This password is too common"),
        ("vic.viewer@example.nhs.uk", "The password must not be your email address."),
    ],
)
def test_a_weak_new_password_is_refused(app, admin_client, viewer, login_as, password, message):
    elsewhere = signed_in_elsewhere(app, login_as, viewer)
    before, old_hash = counts(), viewer.password_hash
    response = admin_client.post(f"/admin/users/{viewer.id}/password", data={"password": password})
    assert_error(response, "password", message)
    assert counts() == before and fresh(viewer).password_hash == old_hash
    assert elsewhere.get("/account").status_code == 200


def test_an_administrator_changes_their_own_password_only_under_their_account(admin_client, admin):
    before, old_hash = counts(), admin.password_hash
    response = admin_client.post(f"/admin/users/{admin.id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "use Change your password under Your account" in text_of(response)
    assert counts() == before and fresh(admin).password_hash == old_hash
