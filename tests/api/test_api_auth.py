"""Who the read API lets in: a bearer token of an active user, with that user's current role.
No token, a bad, revoked or expired one, or a signed-in browser session: 401 with a Bearer
challenge; a role without the permission: 403. The API never sets a cookie."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.api.models import ApiToken
from app.auth.services import update_user
from app.extensions import db


def _refused(response, words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == 401 and words in body["message"]
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="Quality Ledger API"')
    assert "Set-Cookie" not in response.headers


def test_no_token_a_malformed_header_or_an_unknown_token_is_401(client, make_user, token_for):
    token_for(make_user("viewer"))
    _refused(client.get("/api/v1/trusts"), "Send an API token")
    _refused(client.get("/api/v1/trusts", headers={"Authorization": "Basic dXNlcjpwYXNz"}), "Bearer <token>")
    _refused(client.get("/api/v1/trusts", headers={"Authorization": "Bearer "}), "Bearer <token>")
    unknown = client.get("/api/v1/trusts", headers={"Authorization": "Bearer ql_not-a-real-token"})
    _refused(unknown, "not valid")
    assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    malformed = client.get("/api/v1/trusts", headers={"Authorization": "Token abc"})
    assert 'error="invalid_request"' in malformed.headers["WWW-Authenticate"]
    assert "error=" not in client.get("/api/v1/trusts").headers["WWW-Authenticate"]
    _refused(client.get("/api/v1/trusts", headers={"Authorization": "Bearer " + "x" * 5000}), "not valid")


def test_a_signed_in_browser_session_is_not_accepted_and_no_cookie_is_set(app, client_as):
    for role in ("admin", "viewer"):
        browser = client_as(role)
        assert browser.get("/").status_code == 200  # the session works for pages
        for url in ("/api/v1/trusts", "/api/v1/hospitals/R1HKH/grid", "/api/v1/actions?mine=1"):
            _refused(browser.get(url), "Signed-in browser sessions are not accepted")


def test_a_token_acts_with_its_users_current_role(app, make_user, token_for, client):
    user = make_user("viewer")
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    refused = client.get("/api/v1/actions?mine=1", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["errors"] == {"mine": "Your role has no My actions."}
    assert "WWW-Authenticate" not in refused.headers and "Set-Cookie" not in refused.headers
    db.session.rollback()
    update_user(user, name=user.name, job_title=None, role="quality", departments=[])
    db.session.commit()
    allowed = client.get("/api/v1/actions?mine=1", headers=headers)
    assert allowed.status_code == 200 and "Set-Cookie" not in allowed.headers


def test_last_used_is_written_at_most_once_a_minute(app, make_user, token_for, client):
    headers = {"Authorization": f"Bearer {token_for(make_user('viewer'))}"}
    token_id = db.session.scalar(select(ApiToken.id))
    assert db.session.get(ApiToken, token_id).last_used_at is None
    client.get("/api/v1/trusts", headers=headers)
    db.session.rollback()
    first = db.session.get(ApiToken, token_id).last_used_at
    assert first is not None
    client.get("/api/v1/trusts", headers=headers)
    db.session.rollback()
    assert db.session.get(ApiToken, token_id).last_used_at == first  # within the minute: no write
    # A minute and more later, the next request writes it again.
    token = db.session.get(ApiToken, token_id)
    token.last_used_at = datetime.now(timezone.utc) - timedelta(minutes=2)
    db.session.commit()
    earlier = db.session.get(ApiToken, token_id).last_used_at
    client.get("/api/v1/trusts", headers=headers)
    db.session.rollback()
    assert db.session.get(ApiToken, token_id).last_used_at > earlier


def test_the_openapi_document_is_open_and_errors_elsewhere_stay_json(client, make_user, token_for):
    assert client.get("/api/v1/openapi.json").status_code == 200
    headers = {"Authorization": f"Bearer {token_for(make_user('viewer'))}"}
    missing = client.get("/api/v1/hospitals/NOPE1", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["message"] == "There is no hospital with the code NOPE1."


def test_the_audit_trail_is_for_the_roles_that_see_the_audit_log(demo, api_as):
    from tests.support import department

    for role in ("admin", "quality"):
        events = api_as(role).json("/api/v1/audit-events?kind=actions&action=create&per_page=5")
        assert events["total"] > 0 and all(
            e["record_kind"] == "actions" and e["action"] == "create" for e in events["items"])
        # As on the audit log page: each changed field, bookkeeping (id, version) left out.
        fields = {c["field"] for c in events["items"][0]["changes"]}
        assert "title" in fields and not fields & {"id", "version"}
    for role, departments in (("lead", [department("R1HKH", "urgent")]), ("viewer", [])):
        refused = api_as(role, departments=departments).json("/api/v1/audit-events", status=403)
        assert refused["status"] == 403 and "role does not allow" in refused["message"]
    bad = api_as("quality").json("/api/v1/audit-events?date_from=2026-02-30", status=400)
    assert list(bad["errors"]) == ["date_from"] and "Date from must be a real date" in bad["errors"]["date_from"]
