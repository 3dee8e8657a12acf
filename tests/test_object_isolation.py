"""Object-level isolation: a lead of one department reads everything but can change only the
actions of their own departments. Every unsafe route that names an action is tried, as a lead
of another department, against every action outside their scope (ids guessed in turn), with
plausible form data; each must be refused with 403 and change nothing."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from app.actions.models import Action, ActionUpdate
from app.audit.models import AuditEvent
from app.extensions import db

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def lead_a(demo, make_user):  # type: ignore[no-untyped-def]
    first = db.session.scalars(
        select(Action)
        .where(Action.department_id.is_not(None), Action.status.in_(("open", "in_progress")))
        .order_by(Action.id)
    ).first()
    return make_user("lead", departments=[first.department])


def action_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted(
        (r.endpoint, method)
        for r in app.url_map.iter_rules()
        for method in (r.methods or set()) & UNSAFE
        if "action_id" in r.arguments
    )


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(AuditEvent.id))) or 0,
        db.session.scalar(select(func.count(ActionUpdate.id))) or 0,
    )


def test_there_are_action_routes_and_actions_on_both_sides(app, lead_a):
    assert len(action_routes(app)) >= 4
    outside = db.session.scalar(
        select(func.count(Action.id)).where(Action.department_id.not_in(lead_a.department_ids))
    )
    assert outside >= 3


def test_a_lead_changes_no_action_outside_their_departments(app, lead_a, login_as):
    client = login_as(app.test_client(), lead_a)
    others = db.session.scalars(
        select(Action).where(
            (Action.department_id.not_in(lead_a.department_ids)) | Action.department_id.is_(None)
        ).order_by(Action.id)
    ).all()
    snapshot = {a.id: (a.status, a.due_on, a.department_id, a.owner_id, a.version) for a in others}
    before = counts()
    plausible = {
        "text": "Done, honestly", "percent_complete": "100", "version": "",
        "reason": "tidying up", "status": "verified",
    }
    let_through = []
    for action in others:
        plausible["version"] = str(action.version)
        for endpoint, method in action_routes(app):
            with app.test_request_context():
                url = url_for(endpoint, action_id=action.id)
            response = client.open(url, method=method, data=plausible)
            if response.status_code != 403:
                let_through.append(f"{method} {url}: {response.status_code}")
        # Reading is allowed: leads read everything.
        assert client.get(f"/actions/{action.id}").status_code == 200
    assert let_through == []
    db.session.expire_all()
    assert counts() == before
    for action in db.session.scalars(select(Action).where(Action.id.in_(snapshot))):
        assert (action.status, action.due_on, action.department_id, action.owner_id, action.version) == snapshot[action.id]


def test_a_lead_cannot_move_their_action_to_another_department_or_owner(app, lead_a, login_as, make_user):
    """Mass assignment: fields the form does not have are never read from the post."""
    mine = db.session.scalars(
        select(Action)
        .where(Action.department_id.in_(lead_a.department_ids), Action.status.in_(("open", "in_progress")))
        .order_by(Action.id)
    ).first()
    theirs = db.session.scalars(
        select(Action).where(Action.department_id.not_in(lead_a.department_ids)).order_by(Action.id)
    ).first()
    stranger = make_user("viewer")
    original = (mine.department_id, mine.owner_id, mine.hospital_id, mine.status, mine.due_on)
    client = login_as(app.test_client(), lead_a)
    response = client.post(f"/actions/{mine.id}/updates", data={
        "text": "Progress on the triage audit", "version": str(mine.version),
        "department_id": str(theirs.department_id), "owner_id": str(stranger.id),
        "hospital_id": str(theirs.hospital_id), "status": "verified", "id": str(theirs.id),
        "action_id": str(theirs.id), "author_id": str(stranger.id),
    })
    assert response.status_code == 302
    db.session.expire_all()
    mine = db.session.get(Action, mine.id)
    assert (mine.department_id, mine.owner_id, mine.hospital_id, mine.status, mine.due_on) == original
    update = mine.updates[-1]
    assert update.text == "Progress on the triage audit"
    assert update.author_id == lead_a.id
    assert not [u for u in db.session.get(Action, theirs.id).updates if u.author_id == lead_a.id]


@pytest.mark.parametrize(
    "endpoint,kwargs",
    [
        ("inspections.archive_inspection", {"inspection_id": 1}),
        ("inspections.restore_inspection", {"inspection_id": 1}),
        ("inspections.archive_finding", {"finding_id": 1}),
        ("inspections.restore_finding", {"finding_id": 1}),
        ("actions.archive_action", {"action_id": 1}),
        ("actions.restore_action", {"action_id": 1}),
        ("auth.edit_user", {"user_id": 1}),
        ("auth.deactivate_user", {"user_id": 1}),
        ("auth.reset_password", {"user_id": 1}),
    ],
)
def test_a_lead_cannot_archive_or_administer_even_in_their_own_department(app, lead_a, login_as, endpoint, kwargs):
    client = login_as(app.test_client(), lead_a)
    with app.test_request_context():
        url = url_for(endpoint, **kwargs)
    before = counts()
    assert client.post(url, data={"reason": "x", "role": "admin", "password": "a long new passphrase"}).status_code == 403
    assert counts() == before
