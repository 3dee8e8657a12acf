"""The administrator's token pages and the token service: issue (shown once, hashed at rest),
revoke, expiry, deactivated users, validation messages and audit events."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select, text

from app.api.models import ApiToken
from app.api.services import token_hash
from app.audit.models import AuditEvent
from app.auth.services import set_active
from app.extensions import db
from tests.support import page_text


def _issue_page(client, target, **fields):  # type: ignore[no-untyped-def]
    data = {"user": str(target.id), "name": "Power BI quality dashboard", "expires_on": "", **fields}
    return client.post("/api-tokens/new", data=data)


def _shown_token(html: str) -> str:
    match = re.search(r'value="(ql_[A-Za-z0-9_-]{43})"', html)
    assert match, "the issued page shows the token"
    return match.group(1)


def test_an_admin_issues_a_token_that_is_shown_once_and_stored_only_as_its_hash(client_as, make_user, client):
    admin = client_as("admin")
    viewer = make_user("viewer", name="Dashboard Reader")
    form = admin.get("/api-tokens/new")
    assert form.status_code == 200 and "Dashboard Reader" in form.get_data(as_text=True)

    response = _issue_page(admin, viewer)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plaintext = _shown_token(response.get_data(as_text=True))

    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash == token_hash(plaintext) and len(stored.token_hash) == 64
    # No column of any row holds the token itself.
    row = db.session.execute(text("SELECT * FROM api_tokens")).one()
    assert all(plaintext not in str(value) for value in row)
    assert plaintext[3:] not in str(tuple(row))
    # The list never shows it again, but shows who, what for, and that it was never used.
    listing = admin.get("/api-tokens").get_data(as_text=True)
    assert plaintext not in listing
    words = page_text(listing)
    assert "Power BI quality dashboard" in words and "Dashboard Reader" in words and "Never" in words
    # And it works, as the viewer.
    api = client.get("/api/v1/trusts", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 200


def test_issuing_and_revoking_write_audit_events_without_the_secret(client_as, make_user):
    admin_client = client_as("admin")
    viewer = make_user("viewer")
    plaintext = _shown_token(_issue_page(admin_client, viewer, expires_on="2099-01-31").get_data(as_text=True))
    token = db.session.scalar(select(ApiToken))
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "api_tokens"))
    assert created.action == "create" and created.record_id == token.id
    assert created.changes["user_id"] == [None, viewer.id]
    assert created.changes["name"] == [None, "Power BI quality dashboard"]
    assert created.changes["expires_on"] == [None, "2099-01-31"]
    assert str(created.changes["token_hash"][1]).startswith("[redacted")
    assert plaintext not in str(created.changes) and token.token_hash not in str(created.changes)

    response = admin_client.post(f"/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    revoked = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_kind == "api_tokens").order_by(AuditEvent.id)
    ).all()[-1]
    assert revoked.action == "update" and revoked.user_id == created.user_id
    assert set(revoked.changes) == {"revoked_at", "revoked_by_id"}
    assert "Revoked" in page_text(admin_client.get("/api-tokens").get_data(as_text=True))


def test_a_revoked_token_stops_working_at_once_and_cannot_be_revoked_twice(client_as, make_user, token_for, client):
    admin = client_as("admin")
    plaintext = token_for(make_user("quality"))
    token = db.session.scalar(select(ApiToken))
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/trusts", headers=headers).status_code == 200
    assert admin.post(f"/api-tokens/{token.id}/revoke").status_code == 302
    refused = client.get("/api/v1/trusts", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.get_json()["message"]
    again = admin.post(f"/api-tokens/{token.id}/revoke")
    assert again.status_code == 400 and "already revoked" in page_text(again.get_data(as_text=True))
    assert admin.post("/api-tokens/999999/revoke").status_code == 404


def test_the_form_names_each_field_and_its_problem_and_saves_nothing(client_as, make_user):
    admin = client_as("admin")
    viewer = make_user("viewer")
    cases = [
        ({"name": ""}, "Enter what the token is for"),
        ({"name": "x" * 101}, "100 characters or fewer"),
        ({"expires_on": "31/01/2027"}, "Expiry date must be a real date in the format YYYY-MM-DD"),
        ({"expires_on": date.today().isoformat()}, "The expiry date must be after today"),
        ({"user": "999999"}, "User must be one of the active users in the list"),
        ({"user": ""}, "Choose the user the token acts as"),
    ]
    for fields, message in cases:
        response = _issue_page(admin, viewer, **fields)
        assert response.status_code == 400, fields
        assert message in page_text(response.get_data(as_text=True)), fields
    assert db.session.scalar(select(ApiToken)) is None


def test_deactivated_users_are_not_offered_and_their_tokens_stop(client_as, make_user, token_for, client):
    admin_client = client_as("admin")
    viewer = make_user("viewer", name="Gone Away")
    plaintext = token_for(viewer)
    set_active(viewer, False)
    db.session.commit()
    assert "Gone Away" not in admin_client.get("/api-tokens/new").get_data(as_text=True)
    response = client.get("/api/v1/trusts", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 401 and "deactivated" in response.get_json()["message"]
    set_active(viewer, True)
    db.session.commit()
    assert client.get("/api/v1/trusts", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 200


def test_an_expired_token_is_refused_and_listed_as_expired(app, client_as, make_user, token_for, client):
    admin = client_as("admin")
    plaintext = token_for(make_user("viewer"), expires_on=date.today() + timedelta(days=30))
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/trusts", headers=headers).status_code == 200
    token = db.session.scalar(select(ApiToken))
    token.expires_on = date.today()  # as it will be on its expiry day (the start of it)
    db.session.commit()
    response = client.get("/api/v1/trusts", headers=headers)
    assert response.status_code == 401 and "expired" in response.get_json()["message"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "Expired" in page_text(admin.get("/api-tokens").get_data(as_text=True))


def test_only_administrators_manage_tokens(client_as):
    # Every role is in tests/test_access_matrix.py; here the refusal of the two that read most.
    for role in ("quality", "viewer"):
        client = client_as(role)
        assert client.get("/api-tokens").status_code == 403
        assert client.post("/api-tokens/new", data={"name": "x"}).status_code == 403
