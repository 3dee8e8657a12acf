"""The one access table: every endpoint and method, and what each role (and an anonymous
visitor) gets. A route missing from the table fails the suite; the matrix test requests every
endpoint x method x role on the demo data and compares the outcome with the table.

Outcomes:
- OK: the request reached the view (200, a redirect elsewhere than sign-in, or the view's own
  400 / 409 for the empty form the matrix posts);
- DENIED: 403;
- SIGN_IN: a redirect to the sign-in page.

A department lead here leads the department of the sample action, so "OK" for a lead on an
action means their own department's; other departments' records are tested in
test_object_isolation.py.
"""

from __future__ import annotations

import io

import pytest
from flask import url_for
from werkzeug.datastructures import FileStorage
from sqlalchemy import select

from app.actions.models import Action
from app.auth.models import User
from app.extensions import db
from app.files.services import store
from app.inspections.models import Finding, Inspection

OK, DENIED, SIGN_IN = "ok", "denied", "sign in"
# The read API (/api/v1) takes only bearer tokens: a signed-in browser session gets 401.
TOKEN_ONLY = "401: token only"
ROLES = ("anonymous", "admin", "quality", "lead", "viewer")


def rule(anonymous: str, admin: str, quality: str, lead: str, viewer: str) -> dict[str, str]:
    return dict(zip(ROLES, (anonymous, admin, quality, lead, viewer)))


PUBLIC = rule(OK, OK, OK, OK, OK)
EVERY_ROLE = rule(SIGN_IN, OK, OK, OK, OK)
ADMIN_ONLY = rule(SIGN_IN, OK, DENIED, DENIED, DENIED)
ADMIN_AND_QUALITY = rule(SIGN_IN, OK, OK, DENIED, DENIED)
QUALITY_ONLY = rule(SIGN_IN, DENIED, OK, DENIED, DENIED)
QUALITY_AND_LEAD = rule(SIGN_IN, DENIED, OK, OK, DENIED)

# (endpoint, method) -> outcome per role.
ACCESS: dict[tuple[str, str], dict[str, str]] = {
    ("static", "GET"): PUBLIC,
    # Signing in and out, one's own account
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.logout", "POST"): EVERY_ROLE,
    ("auth.signed_out", "GET"): PUBLIC,
    ("auth.account", "GET"): EVERY_ROLE,
    ("auth.change_password", "GET"): EVERY_ROLE,
    ("auth.change_password", "POST"): EVERY_ROLE,
    # User administration
    ("auth.users", "GET"): ADMIN_ONLY,
    ("auth.new_user", "GET"): ADMIN_ONLY,
    ("auth.new_user", "POST"): ADMIN_ONLY,
    ("auth.edit_user", "GET"): ADMIN_ONLY,
    ("auth.edit_user", "POST"): ADMIN_ONLY,
    ("auth.deactivate_user", "POST"): ADMIN_ONLY,
    ("auth.reactivate_user", "POST"): ADMIN_ONLY,
    ("auth.reset_password", "POST"): ADMIN_ONLY,
    # Audit trail
    ("audit.log", "GET"): ADMIN_AND_QUALITY,
    ("audit.export", "GET"): ADMIN_AND_QUALITY,
    # Organisations and grids
    ("organisations.home", "GET"): EVERY_ROLE,
    ("organisations.hospital", "GET"): EVERY_ROLE,
    ("organisations.hospital_grid_csv", "GET"): EVERY_ROLE,
    ("organisations.hospital_grid_json", "GET"): EVERY_ROLE,
    ("organisations.trust", "GET"): EVERY_ROLE,
    ("organisations.department", "GET"): EVERY_ROLE,
    ("organisations.new_trust", "GET"): QUALITY_ONLY,
    ("organisations.new_trust", "POST"): QUALITY_ONLY,
    ("organisations.edit_trust", "GET"): QUALITY_ONLY,
    ("organisations.edit_trust", "POST"): QUALITY_ONLY,
    ("organisations.new_hospital", "GET"): QUALITY_ONLY,
    ("organisations.new_hospital", "POST"): QUALITY_ONLY,
    ("organisations.edit_hospital", "GET"): QUALITY_ONLY,
    ("organisations.edit_hospital", "POST"): QUALITY_ONLY,
    ("organisations.new_department", "GET"): QUALITY_ONLY,
    ("organisations.new_department", "POST"): QUALITY_ONLY,
    ("organisations.edit_department", "GET"): QUALITY_ONLY,
    ("organisations.edit_department", "POST"): QUALITY_ONLY,
    ("organisations.retire_department", "POST"): QUALITY_ONLY,
    # Inspections and findings
    ("inspections.inspection", "GET"): EVERY_ROLE,
    ("inspections.archive_inspection", "POST"): ADMIN_AND_QUALITY,
    ("inspections.restore_inspection", "POST"): ADMIN_AND_QUALITY,
    ("inspections.archive_finding", "POST"): ADMIN_AND_QUALITY,
    ("inspections.restore_finding", "POST"): ADMIN_AND_QUALITY,
    ("inspections.inspection_list", "GET"): EVERY_ROLE,
    ("inspections.inspection_grid_csv", "GET"): EVERY_ROLE,
    ("inspections.inspection_grid_json", "GET"): EVERY_ROLE,
    ("inspections.new_inspection", "GET"): QUALITY_ONLY,
    ("inspections.new_inspection", "POST"): QUALITY_ONLY,
    ("inspections.edit_inspection", "GET"): QUALITY_ONLY,
    ("inspections.edit_inspection", "POST"): QUALITY_ONLY,
    ("inspections.publish_inspection", "POST"): QUALITY_ONLY,
    ("inspections.new_finding", "GET"): QUALITY_ONLY,
    ("inspections.new_finding", "POST"): QUALITY_ONLY,
    ("inspections.new_enforcement", "GET"): QUALITY_ONLY,
    ("inspections.new_enforcement", "POST"): QUALITY_ONLY,
    ("inspections.ratings_grid", "GET"): QUALITY_ONLY,
    ("inspections.ratings_grid", "POST"): QUALITY_ONLY,
    ("inspections.saf_scores", "GET"): QUALITY_ONLY,
    ("inspections.saf_scores", "POST"): QUALITY_ONLY,
    # Uploaded files (report documents, later evidence)
    ("files.download", "GET"): EVERY_ROLE,
    # Actions
    ("actions.action", "GET"): EVERY_ROLE,
    ("actions.post_update", "POST"): QUALITY_AND_LEAD,
    ("actions.complete_action", "POST"): QUALITY_AND_LEAD,
    ("actions.archive_action", "POST"): ADMIN_AND_QUALITY,
    ("actions.restore_action", "POST"): ADMIN_AND_QUALITY,
    # Raising and editing actions, the workflow buttons and evidence
    ("actions.new_action", "GET"): QUALITY_ONLY,
    ("actions.new_action", "POST"): QUALITY_ONLY,
    ("actions.edit_action", "GET"): QUALITY_ONLY,
    ("actions.edit_action", "POST"): QUALITY_ONLY,
    ("actions.start_action", "POST"): QUALITY_AND_LEAD,
    ("actions.verify_action", "POST"): QUALITY_ONLY,
    ("actions.send_back_action", "POST"): QUALITY_ONLY,
    ("actions.cancel_action", "POST"): QUALITY_ONLY,
    ("actions.add_evidence", "POST"): QUALITY_AND_LEAD,
    ("actions.evidence_file", "GET"): EVERY_ROLE,
    # Lists of actions, the CSV export and the CSV import
    ("actions.board", "GET"): EVERY_ROLE,
    ("actions.board_csv", "GET"): EVERY_ROLE,
    ("actions.my_actions", "GET"): QUALITY_AND_LEAD,
    ("actions.import_form", "GET"): QUALITY_ONLY,
    ("actions.import_upload", "POST"): QUALITY_ONLY,
    ("actions.import_template", "GET"): QUALITY_ONLY,
    # Importing CQC's published ratings (issue 7): the quality team and administrators
    ("imports.upload_form", "GET"): ADMIN_AND_QUALITY,
    ("imports.upload", "POST"): ADMIN_AND_QUALITY,
    # Board packs: everyone may preview and download; only quality may issue to the board
    ("boardpacks.choose", "GET"): EVERY_ROLE,
    ("boardpacks.download", "GET"): EVERY_ROLE,
    ("boardpacks.issue", "POST"): QUALITY_ONLY,
    ("boardpacks.issued", "GET"): EVERY_ROLE,
    ("boardpacks.issued_pack", "GET"): EVERY_ROLE,
    # Exports (issues 7 and 9): open data CSVs and the offline bundle, for quality and admin
    ("exports.index", "GET"): ADMIN_AND_QUALITY,
    ("exports.open_data", "GET"): ADMIN_AND_QUALITY,
    ("exports.offline", "GET"): ADMIN_AND_QUALITY,
    # Health checks for a load balancer: open to anyone, revealing only up / ready
    ("health.healthz", "GET"): PUBLIC,
    ("health.readyz", "GET"): PUBLIC,
    # API tokens (issue 7): administrators issue and revoke them
    ("api.tokens", "GET"): ADMIN_ONLY,
    ("api.new_token", "GET"): ADMIN_ONLY,
    ("api.new_token", "POST"): ADMIN_ONLY,
    ("api.revoke_token", "POST"): ADMIN_ONLY,
    # The read API: bearer tokens only (tests/api tests the tokens, roles and scoping); its
    # OpenAPI document is open to anyone
    **{(f"api.{name}", "GET"): rule(*[TOKEN_ONLY] * 5) for name in (
        "trusts", "trust", "trust_grid_view", "hospitals", "hospital", "hospital_grid_view", "departments",
        "inspections", "inspection", "findings", "actions", "action", "audit_events")},
    ("api.openapi_document", "GET"): PUBLIC,
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        (r.endpoint, method)
        for r in app.url_map.iter_rules()
        for method in r.methods or ()
        if method not in IGNORED_METHODS
    }


def test_every_route_has_an_entry_in_the_access_table(app):
    missing = sorted(routes(app) - set(ACCESS))
    assert not missing, f"routes without an entry in ACCESS (add one per method): {missing}"


def test_the_access_table_lists_no_route_that_does_not_exist(app):
    stale = sorted(set(ACCESS) - routes(app))
    assert not stale, f"ACCESS entries for routes that no longer exist: {stale}"


def test_every_entry_gives_every_role_an_outcome():
    for key, outcomes in ACCESS.items():
        assert set(outcomes) == set(ROLES), key
        assert set(outcomes.values()) <= {OK, DENIED, SIGN_IN, TOKEN_ONLY}, key


@pytest.fixture
def samples(demo, make_user):  # type: ignore[no-untyped-def]
    """A value for every URL argument, from the demo data, and one user per role."""
    action = db.session.scalars(
        select(Action).where(Action.department_id.is_not(None)).order_by(Action.id)
    ).first()
    finding = db.session.scalars(select(Finding).order_by(Finding.id)).first()
    inspection = db.session.scalars(
        select(Inspection).where(Inspection.status == "published").order_by(Inspection.id)
    ).first()
    users = {
        "admin": make_user("admin"),
        "quality": make_user("quality"),
        "lead": make_user("lead", departments=[action.department]),
        "viewer": make_user("viewer"),
    }
    target = make_user("viewer", email="target@example.nhs.uk")
    report = store(FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="report.pdf"))
    db.session.commit()
    values = {
        "code": "R1HKH",
        "trust_code": "R1H",
        "department_id": action.department_id,
        "action_id": action.id,
        "finding_id": finding.id,
        "inspection_id": inspection.id,
        "user_id": target.id,
        "file_id": report.id,
        "evidence_id": action.evidence[0].id,  # the demo's first action has evidence
        "filename": "css/app.css",
        "pack_id": _issued_pack_id(users["quality"]),
        "token_id": _api_token_id(users["viewer"]),
    }
    return values, {role: user.id for role, user in users.items()}


def _issued_pack_id(issuer) -> int:  # type: ignore[no-untyped-def]
    """An issued board pack to download (its bytes need not be a rendered pack here)."""
    import hashlib
    from datetime import date

    from app.boardpacks.models import IssuedPack, IssuedPackContent

    pdf = b"%PDF-1.4\n%%EOF\n"
    pack = IssuedPack(trust_id=db.session.scalar(select(Inspection.trust_id).limit(1)), title="Sample",
                      as_of=date.today(), generated_by_id=issuer.id, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf))
    db.session.add(pack)
    db.session.flush()
    db.session.add(IssuedPackContent(pack_id=pack.id, pdf=pdf))
    db.session.commit()
    return pack.id


def _api_token_id(user) -> int:  # type: ignore[no-untyped-def]
    """An API token to revoke."""
    from datetime import date

    from app.api.services import issue_token

    token, _plaintext = issue_token(user=user, name="Matrix sample", expires_on=None, actor=None, today=date.today())
    db.session.commit()
    return token.id


def outcome(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code == 403:
        return DENIED
    if response.status_code == 401:
        return TOKEN_ONLY
    if response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/sign-in"):
        return SIGN_IN
    if response.status_code in (200, 301, 302, 303, 400, 409):
        return OK
    return f"unexpected {response.status_code}"


def test_the_matrix_of_every_endpoint_method_and_role_matches_the_table(app, samples, login_as):
    values, user_ids = samples
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)
    requests = []
    with app.test_request_context():
        for url_rule in rules:
            missing = set(url_rule.arguments) - set(values)
            assert not missing, f"add a sample value for {missing} ({url_rule.endpoint})"
            url = url_for(url_rule.endpoint, **{a: values[a] for a in url_rule.arguments})
            for method in sorted((url_rule.methods or set()) - IGNORED_METHODS):
                requests.append((url_rule.endpoint, method, url))
    # Reads first, then writes, so that a write (an archive, say) cannot change a read's answer.
    requests.sort(key=lambda r: r[1] != "GET")

    mismatches = []
    for endpoint, method, url in requests:
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                # Read afresh: signing out in an earlier request gave the user a new token.
                login_as(client, db.session.get(User, user_ids[role]))
            response = client.open(url, method=method, data={})
            response.close()
            got = outcome(response)
            expected = ACCESS[(endpoint, method)][role]
            if got != expected:
                mismatches.append(f"{method} {url} as {role}: expected {expected}, got {got}")
            db.session.rollback()  # let the next request see the committed state only
    assert mismatches == [], "\n".join(mismatches)
    assert len(requests) * len(ROLES) >= len(ACCESS) * len(ROLES)
