"""Audit completeness: every mutating route, performed once, leaves exactly the audit events of
the changes it made, each with who, the record, and the right before and after values. A new
unsafe route fails here until it is added to MUTATIONS (or, with a reason, to NOT_A_RECORD_CHANGE)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

import pytest
from flask import url_for
from sqlalchemy import select, text

from app.actions.models import Action
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.inspections.models import Finding, Inspection
from app.organisations.models import Department, Hospital

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ANY = object()  # a value the test cannot know in advance (a time, a redacted hash)
CHANGED = object()  # a redacted secret: present on both sides, and different

# Routes that change no record, each with why.
NOT_A_RECORD_CHANGE = {
    ("auth.login", "POST"): "writes a LoginAttempt, the security log of sign-ins, not a record",
}


@dataclass
class Mutation:
    endpoint: str
    role: str
    url_args: Callable[[dict[str, Any]], dict[str, Any]]
    data: Callable[[dict[str, Any]], dict[str, Any]]
    # (action, record kind, record id from the world, {field: (before, after)}) per event, in order.
    events: Callable[[dict[str, Any]], list[tuple[str, str, int, dict[str, Any]]]]
    status: int = 302
    method: str = "POST"
    url_query: str = ""


def _versioned(kind: str) -> dict[str, Any]:
    # Actions and inspections carry a version for optimistic locking; every change moves it on.
    return {"version": ANY} if kind in ("actions", "inspections") else {}


def _archive(kind: str, key: str) -> Callable[[dict[str, Any]], list]:  # type: ignore[type-arg]
    return lambda w: [("archive", kind, w[key], {
        "archived_at": (None, ANY), "archived_by_id": (None, w["quality"].id),
        "archive_reason": (None, "Entered twice by mistake"), **_versioned(kind),
    })]


def _restore(kind: str, key: str) -> Callable[[dict[str, Any]], list]:  # type: ignore[type-arg]
    return lambda w: [("restore", kind, w[key], {
        "archived_at": (ANY, None), "archived_by_id": (w["quality"].id, None),
        "archive_reason": ("Entered twice by mistake", None), **_versioned(kind),
    })]


REASON = {"reason": "Entered twice by mistake"}
NEW_DUE = date.today() + timedelta(days=60)

def _update_event(w: dict[str, Any], action_id: Callable[[dict[str, Any]], int], author: str, text: str,
                  status_from: str, status_to: str) -> tuple[str, str, int, dict[str, Any]]:
    update_id = max(u.id for u in db.session.get(Action, action_id(w)).updates)
    return ("create", "action_updates", update_id, {
        "id": (None, update_id), "action_id": (None, action_id(w)), "author_id": (None, w[author].id),
        "text": (None, text), "status_from": (None, status_from), "status_to": (None, status_to),
        **({"percent_complete": (None, 100)} if status_to == "completed" else {}),
    })


def _version_of(action_id: int) -> str:
    return str(db.session.get(Action, action_id).version)


def _pdf_upload(name: str) -> tuple[Any, str]:
    import io  # only this entry uploads a file

    return (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), name)


_WORLD: Callable[[dict[str, Any]], int] = lambda w: w["action"]  # noqa: E731
_TRIAGE: Callable[[dict[str, Any]], int] = lambda w: w["id_of"]("actions", "title", "Audit the maternity triage telephone line quarterly")  # noqa: E731
_RAISED: Callable[[dict[str, Any]], int] = lambda w: w["id_of"]("actions", "title", "Mutation test action")  # noqa: E731

_ACTION_WORKFLOW = [
    Mutation("actions.send_back_action", "quality", lambda w: {"action_id": w["action"]},
             lambda w: {"version": _version_of(w["action"]), "comment": "Do the night shifts."}, lambda w: [
        _update_event(w, _WORLD, "quality", "Sent back for more work. Do the night shifts.", "completed", "in_progress"),
        ("update", "actions", w["action"], {"status": ("completed", "in_progress"),
                                            "completed_on": (date.today().isoformat(), None), "version": ANY}),
    ]),
    Mutation("actions.add_evidence", "lead", lambda w: {"action_id": w["action"]}, lambda w: {
        "version": _version_of(w["action"]), "title": "Rota audit", "file": _pdf_upload("rota-audit.pdf"),
    }, lambda w: [
        ("create", "stored_files", w["id_of"]("stored_files", "original_filename", "rota-audit.pdf"), {
            "id": ANY, "original_filename": (None, "rota-audit.pdf"), "content_type": (None, "application/pdf"),
            "size": ANY, "sha256": ANY, "storage_key": ANY, "uploaded_by_id": (None, w["lead"].id), "uploaded_at": ANY,
        }),
        ("create", "evidence", w["id_of"]("evidence", "title", "Rota audit"), {
            "id": ANY, "action_id": (None, w["action"]), "file_id": ANY, "title": (None, "Rota audit"),
            "version_number": (None, 1), "uploaded_by_id": (None, w["lead"].id), "uploaded_at": ANY,
        }),
    ]),
    Mutation("actions.edit_action", "quality", lambda w: {"action_id": w["action"]}, lambda w: (lambda a: {
        "version": str(a.version), "title": a.title, "description": a.description,
        "department": str(a.department_id), "owner": str(a.owner_id), "priority": "low",
        "findings": [str(f.id) for f in a.findings],
    })(db.session.get(Action, w["action"])), lambda w: [
        ("update", "actions", w["action"], {"priority": ("high", "low"), "version": ANY}),
    ]),
    Mutation("actions.cancel_action", "quality", lambda w: {"action_id": w["action"]},
             lambda w: {"version": _version_of(w["action"]), "reason": "Superseded by the trust-wide audit."}, lambda w: [
        _update_event(w, _WORLD, "quality", "Cancelled. Superseded by the trust-wide audit.", "in_progress", "cancelled"),
        ("update", "actions", w["action"], {"status": ("in_progress", "cancelled"),
                                            "cancel_reason": (None, "Superseded by the trust-wide audit."), "version": ANY}),
    ]),
    Mutation("actions.verify_action", "quality", lambda w: {"action_id": _TRIAGE(w)},
             lambda w: {"version": _version_of(_TRIAGE(w))}, lambda w: [
        _update_event(w, _TRIAGE, "quality", "Verified closed.", "completed", "verified"),
        ("update", "actions", _TRIAGE(w), {"status": ("completed", "verified"),
                                          "verified_on": (None, date.today().isoformat()), "version": ANY}),
    ]),
    Mutation("actions.new_action", "quality", lambda w: {}, lambda w: {
        "title": "Mutation test action", "description": "", "department": str(w["urgent"]),
        "owner": str(w["quality"].id), "priority": "medium", "due_on": NEW_DUE.isoformat(), "incident": "",
    }, lambda w: [("create", "actions", _RAISED(w), {
        "id": ANY, "hospital_id": (None, w["whipps"]), "department_id": (None, w["urgent"]),
        "owner_id": (None, w["quality"].id), "title": (None, "Mutation test action"), "description": (None, ""),
        "priority": (None, "medium"), "status": (None, "open"), "original_due_on": (None, NEW_DUE.isoformat()),
        "due_on": (None, NEW_DUE.isoformat()), "version": (None, 1), "finding_ids": (None, []),
    })], url_query="?hospital=R1HKH"),
    Mutation("actions.start_action", "lead", lambda w: {"action_id": _RAISED(w)},
             lambda w: {"version": _version_of(_RAISED(w))}, lambda w: [
        _update_event(w, _RAISED, "lead", "Work started.", "open", "in_progress"),
        ("update", "actions", _RAISED(w), {"status": ("open", "in_progress"), "version": ANY}),
    ]),
]

MUTATIONS = [
    Mutation("auth.new_user", "admin", lambda w: {}, lambda w: {
        "email": "New.Person@example.nhs.uk", "name": "New Person", "job_title": "Matron",
        "role": "viewer", "password": "a long new passphrase 9",
    }, lambda w: [("create", "users", w["new_user_id"](), {
        "id": (None, w["new_user_id"]()), "email": (None, "new.person@example.nhs.uk"), "name": (None, "New Person"),
        "job_title": (None, "Matron"), "role": (None, "viewer"), "active": (None, True),
        "password_hash": (None, ANY), "session_token": (None, ANY),
    })]),
    Mutation("auth.edit_user", "admin", lambda w: {"user_id": w["target"].id}, lambda w: {
        "name": "Target Renamed", "job_title": "Non-executive director", "role": "viewer",
    }, lambda w: [("update", "users", w["target"].id, {
        "name": ("Test viewer", "Target Renamed"), "job_title": (None, "Non-executive director"),
    })]),
    Mutation("auth.deactivate_user", "admin", lambda w: {"user_id": w["target"].id}, lambda w: {},
             lambda w: [("update", "users", w["target"].id, {"active": (True, False), "session_token": CHANGED})]),
    Mutation("auth.reactivate_user", "admin", lambda w: {"user_id": w["target"].id}, lambda w: {},
             lambda w: [("update", "users", w["target"].id, {"active": (False, True), "session_token": CHANGED})]),
    Mutation("auth.reset_password", "admin", lambda w: {"user_id": w["target"].id},
             lambda w: {"password": "another long passphrase 5"},
             lambda w: [("update", "users", w["target"].id, {"password_hash": CHANGED, "session_token": CHANGED})]),
    Mutation("auth.change_password", "quality", lambda w: {}, lambda w: {
        "current_password": w["password"], "new_password": "a brand new passphrase 8",
        "confirm_password": "a brand new passphrase 8",
    }, lambda w: [("update", "users", w["quality"].id, {"password_hash": CHANGED, "session_token": CHANGED})]),
    Mutation("inspections.archive_inspection", "quality", lambda w: {"inspection_id": w["inspection"]},
             lambda w: REASON, _archive("inspections", "inspection")),
    Mutation("inspections.restore_inspection", "quality", lambda w: {"inspection_id": w["inspection"]},
             lambda w: {}, _restore("inspections", "inspection")),
    Mutation("inspections.archive_finding", "quality", lambda w: {"finding_id": w["finding"]},
             lambda w: REASON, _archive("findings", "finding")),
    Mutation("inspections.restore_finding", "quality", lambda w: {"finding_id": w["finding"]},
             lambda w: {}, _restore("findings", "finding")),
    Mutation("actions.archive_action", "quality", lambda w: {"action_id": w["action"]},
             lambda w: REASON, _archive("actions", "action")),
    Mutation("actions.restore_action", "quality", lambda w: {"action_id": w["action"]},
             lambda w: {}, _restore("actions", "action")),
    Mutation("actions.post_update", "lead", lambda w: {"action_id": w["action"]}, lambda w: {
        "text": "Triage audit half done", "percent_complete": "40", "new_due_on": NEW_DUE.isoformat(),
        "due_change_reason": "Waiting for the new triage system", "version": str(w["version"]()),
    }, lambda w: [
        ("create", "action_updates", w["last_update_id"](), {
            "text": (None, "Triage audit half done"), "percent_complete": (None, 40),
            "new_due_on": (None, NEW_DUE.isoformat()), "author_id": (None, w["lead"].id),
            "due_change_reason": (None, "Waiting for the new triage system"),
            "action_id": (None, w["action"]), "id": (None, w["last_update_id"]()),
        }),
        ("update", "actions", w["action"], {"due_on": (w["due_on"], NEW_DUE.isoformat()), "version": ANY}),
    ]),
    Mutation("actions.complete_action", "lead", lambda w: {"action_id": w["action"]},
             lambda w: {"version": str(w["version"]())}, lambda w: [
        ("create", "action_updates", w["last_update_id"](), {
            "text": (None, "Marked as completed."), "percent_complete": (None, 100),
            "status_from": (None, w["status"]), "status_to": (None, "completed"),
            "author_id": (None, w["lead"].id), "action_id": (None, w["action"]),
            "id": (None, w["last_update_id"]()),
        }),
        ("update", "actions", w["action"], {
            "status": (w["status"], "completed"), "completed_on": (None, date.today().isoformat()),
            "version": ANY,
        }),
    ]),
    # Recording an inspection: a draft for Whipps Cross, filled in, then published.
    Mutation("inspections.new_inspection", "quality", lambda w: {}, lambda w: {
        "hospital": "R1HKH", "source": "mock", "inspection_type": "focused", "notice": "unannounced",
        "visit_start": "2026-10-01", "visit_end": "2026-10-02", "published_on": "",
        "report_ref": "MOCK-2026-10", "report_url": "", "summary": "Mock inspection of urgent care",
    }, lambda w: [("create", "inspections", w["draft"](), {
        "id": ANY, "trust_id": (None, w["trust"]), "hospital_id": (None, w["whipps"]), "source": (None, "mock"),
        "inspection_type": (None, "focused"), "notice": (None, "unannounced"),
        "visit_start": (None, "2026-10-01"), "visit_end": (None, "2026-10-02"),
        "report_ref": (None, "MOCK-2026-10"), "status": (None, "draft"),
        "summary": (None, "Mock inspection of urgent care"), "illustrative": (None, False), "version": ANY,
    })]),
    Mutation("inspections.edit_inspection", "quality", lambda w: {"inspection_id": w["draft"]()}, lambda w: {
        "hospital": "R1HKH", "source": "mock", "inspection_type": "focused", "notice": "announced",
        "visit_start": "2026-10-01", "visit_end": "2026-10-02", "published_on": "",
        "report_ref": "MOCK-2026-10", "report_url": "", "summary": "Mock inspection of urgent care",
        "version": str(db.session.get(Inspection, w["draft"]()).version),
    }, lambda w: [("update", "inspections", w["draft"](), {"notice": ("unannounced", "announced"), "version": ANY})]),
    Mutation("inspections.new_finding", "quality", lambda w: {"inspection_id": w["draft"]()}, lambda w: {
        "kind": "must_do", "department": str(w["urgent"]), "key_question": "Safe",
        "regulation": "12", "text": "Triage within 15 minutes of arrival",
    }, lambda w: [("create", "findings", w["id_of"]("findings", "text", "Triage within 15 minutes of arrival"), {
        "id": ANY, "inspection_id": (None, w["draft"]()), "kind": (None, "must_do"),
        "department_id": (None, w["urgent"]), "key_question": (None, "Safe"), "regulation": (None, "12"),
        "text": (None, "Triage within 15 minutes of arrival"), "illustrative": (None, False),
    })]),
    Mutation("inspections.new_enforcement", "quality", lambda w: {"inspection_id": w["draft"]()}, lambda w: {
        "kind": "requirement_notice", "applies_to": "hospital", "department": "", "regulation": "12",
        "description": "Safe care and treatment in urgent care", "started_on": "2026-10-10",
        "deadline": "", "ended_on": "",
    }, lambda w: [("create", "enforcements", w["id_of"]("enforcements", "description", "Safe care and treatment in urgent care"), {
        "id": ANY, "trust_id": (None, w["trust"]), "hospital_id": (None, w["whipps"]), "inspection_id": (None, w["draft"]()),
        "kind": (None, "requirement_notice"), "regulation": (None, "12"),
        "description": (None, "Safe care and treatment in urgent care"), "started_on": (None, "2026-10-10"),
    })]),
    Mutation("inspections.ratings_grid", "quality", lambda w: {"inspection_id": w["draft"]()}, lambda w: {
        f"rating-department-{w['urgent']}-safe": "Good",
    }, lambda w: [("create", "rating_cells", w["id_of"]("rating_cells", "inspection_id", w["draft"]()), {
        "id": ANY, "inspection_id": (None, w["draft"]()), "scope": (None, "department"), "trust_id": (None, w["trust"]), "hospital_id": (None, w["whipps"]),
        "department_id": (None, w["urgent"]), "key_question": (None, "Safe"), "rating": (None, "Good"),
        "illustrative": (None, False),
    })]),
    Mutation("inspections.saf_scores", "quality", lambda w: {"inspection_id": w["draft"]()},
             lambda w: {"score-S1": "3"}, lambda w: [
        ("create", "quality_statement_scores", w["id_of"]("quality_statement_scores", "statement_code", "S1"), {
            "id": ANY, "inspection_id": (None, w["draft"]()), "scope": (None, "hospital"), "trust_id": (None, w["trust"]), "hospital_id": (None, w["whipps"]),
            "key_question": (None, "Safe"), "statement_code": (None, "S1"), "score": (None, 3),
        }),
        ("create", "key_question_scores", w["id_of"]("key_question_scores", "inspection_id", w["draft"]()), {
            "id": ANY, "inspection_id": (None, w["draft"]()), "scope": (None, "hospital"), "trust_id": (None, w["trust"]), "hospital_id": (None, w["whipps"]),
            "key_question": (None, "Safe"), "scored": (None, 1), "total": (None, 3), "maximum": (None, 4),
            "percent": (None, 75), "rating": (None, "Good"),
        }),
    ], url_query="?row=hospital"),
    Mutation("inspections.publish_inspection", "quality", lambda w: {"inspection_id": w["draft"]()},
             lambda w: {"published_on": "2026-10-20"}, lambda w: [("update", "inspections", w["draft"](), {
        "published_on": (None, "2026-10-20"), "status": ("draft", "published"), "version": ANY,
    })]),
    # Organisations
    Mutation("organisations.new_trust", "quality", lambda w: {}, lambda w: {
        "ods_code": "rqx", "name": "Homerton Healthcare NHS Foundation Trust", "formed_on": "2001-04-01",
    }, lambda w: [("create", "trusts", w["id_of"]("trusts", "ods_code", "RQX"), {
        "id": ANY, "ods_code": (None, "RQX"), "name": (None, "Homerton Healthcare NHS Foundation Trust"),
        "formed_on": (None, "2001-04-01"),
    })]),
    Mutation("organisations.edit_trust", "quality", lambda w: {"trust_code": "RQX"}, lambda w: {
        "name": "Homerton Healthcare", "formed_on": "2001-04-01",
    }, lambda w: [("update", "trusts", w["id_of"]("trusts", "ods_code", "RQX"), {
        "name": ("Homerton Healthcare NHS Foundation Trust", "Homerton Healthcare"),
    })]),
    Mutation("organisations.new_hospital", "quality", lambda w: {"trust_code": "RQX"}, lambda w: {
        "ods_code": "RQX01", "name": "Homerton University Hospital", "town": "Hackney", "kind": "hospital",
    }, lambda w: [("create", "hospitals", w["id_of"]("hospitals", "ods_code", "RQX01"), {
        "id": ANY, "trust_id": (None, w["id_of"]("trusts", "ods_code", "RQX")), "ods_code": (None, "RQX01"),
        "name": (None, "Homerton University Hospital"), "town": (None, "Hackney"), "kind": (None, "hospital"),
    })]),
    Mutation("organisations.edit_hospital", "quality", lambda w: {"code": "RQX01"}, lambda w: {
        "name": "Homerton Hospital", "town": "Hackney", "kind": "hospital",
    }, lambda w: [("update", "hospitals", w["id_of"]("hospitals", "ods_code", "RQX01"), {
        "name": ("Homerton University Hospital", "Homerton Hospital"),
    })]),
    Mutation("organisations.new_department", "quality", lambda w: {"code": "RQX01"}, lambda w: {
        "service_code": "surgery", "name": "", "code": "",
    }, lambda w: [("create", "departments", w["id_of"]("departments", "code", "RQX01-SURGERY"), {
        "id": ANY, "hospital_id": (None, w["id_of"]("hospitals", "ods_code", "RQX01")),
        "code": (None, "RQX01-SURGERY"), "name": (None, "Surgery"), "service_code": (None, "surgery"),
    })]),
    Mutation("organisations.edit_department", "quality",
             lambda w: {"department_id": w["id_of"]("departments", "code", "RQX01-SURGERY")}, lambda w: {
        "name": "General surgery", "code": "RQX01-SURGERY", "service_code": "surgery",
    }, lambda w: [("update", "departments", w["id_of"]("departments", "code", "RQX01-SURGERY"), {
        "name": ("Surgery", "General surgery"),
    })]),
    Mutation("organisations.retire_department", "quality",
             lambda w: {"department_id": w["id_of"]("departments", "code", "RQX01-SURGERY")}, lambda w: {
        "retired_on": date.today().isoformat(), "successor": "",
    }, lambda w: [("update", "departments", w["id_of"]("departments", "code", "RQX01-SURGERY"), {
        "retired_on": (None, date.today().isoformat()),
    })]),
    # The CSV import of actions: one row, one action created with its audit event.
    Mutation("actions.import_upload", "quality", lambda w: {}, lambda w: {"file": (io.BytesIO(
        ("hospital,department,title,description,owner_email,due_on,priority,finding_ids\r\n"
         f"R1HKH,R1HKH-URGENT,Imported triage audit,,{w['quality'].email},2027-03-31,high,\r\n").encode()
    ), "actions.csv")}, lambda w: [("create", "actions", w["id_of"]("actions", "title", "Imported triage audit"), {
        "id": ANY, "hospital_id": (None, w["whipps"]), "department_id": (None, w["urgent"]),
        "owner_id": (None, w["quality"].id), "title": (None, "Imported triage audit"), "description": (None, ""),
        "priority": (None, "high"), "status": (None, "open"), "original_due_on": (None, "2027-03-31"),
        "due_on": (None, "2027-03-31"), "finding_ids": (None, []), "version": ANY,
    })], status=200),
    # A dry run of the CQC import writes only its import log row, with its audit event.
    Mutation("imports.upload", "quality", lambda w: {}, lambda w: {"dry_run": "y", "file": (io.BytesIO(
        b'{"locationId": "RX101", "providerId": "RX1", "name": "Example Hospital"}'), "cqc-dry-run.json")},
        lambda w: [("create", "import_logs", w["id_of"]("import_logs", "file_name", "cqc-dry-run.json"), {
            "id": ANY, "file_name": (None, "cqc-dry-run.json"), "sha256": ANY, "file_format": (None, "json"),
            "user_id": (None, w["quality"].id), "imported_at": ANY, "dry_run": (None, True),
            "outcome": (None, "dry_run"), "counts": ANY,
        })], status=200),
    Mutation("auth.logout", "viewer", lambda w: {}, lambda w: {},
             lambda w: [("update", "users", w["viewer"].id, {"session_token": CHANGED})]),
    # The action workflow and evidence (after complete_action above, the world's action is completed)
    *_ACTION_WORKFLOW,
    # Issuing a board pack keeps its PDF: one event for the issued pack (its bytes sit in
    # issued_pack_contents, identified in the event by the sha256).
    Mutation("boardpacks.issue", "quality", lambda w: {}, lambda w: {
        "subject": "R1HKH", "as_of": date.today().isoformat(),
    }, lambda w: [("create", "issued_packs", w["id_of"]("issued_packs", "hospital_id", w["whipps"]), {
        "id": ANY, "trust_id": (None, w["trust"]), "hospital_id": (None, w["whipps"]), "title": ANY,
        "as_of": (None, date.today().isoformat()), "generated_at": ANY, "generated_by_id": (None, w["quality"].id),
        "sha256": ANY, "size": ANY,
    })]),
    # API tokens (issue 7): issuing shows the token once (200) and keeps only its hash
    # (redacted in the trail); revoking stamps who and when.
    Mutation("api.new_token", "admin", lambda w: {}, lambda w: {
        "user": str(w["viewer"].id), "name": "Mutation test token", "expires_on": "2099-12-31",
    }, lambda w: [("create", "api_tokens", w["id_of"]("api_tokens", "name", "Mutation test token"), {
        "id": ANY, "user_id": (None, w["viewer"].id), "name": (None, "Mutation test token"), "token_hash": ANY,
        "created_by_id": (None, w["admin"].id), "expires_on": (None, "2099-12-31"),
    })], status=200),
    Mutation("api.revoke_token", "admin", lambda w: {"token_id": w["id_of"]("api_tokens", "name", "Mutation test token")},
             lambda w: {}, lambda w: [("update", "api_tokens", w["id_of"]("api_tokens", "name", "Mutation test token"), {
                 "revoked_at": (None, ANY), "revoked_by_id": (None, w["admin"].id),
             })]),
]


def test_every_unsafe_route_is_covered(app):
    unsafe = {
        (r.endpoint, method) for r in app.url_map.iter_rules() for method in (r.methods or set()) & UNSAFE
    }
    covered = {(m.endpoint, m.method) for m in MUTATIONS} | set(NOT_A_RECORD_CHANGE)
    assert unsafe - covered == set(), "add these routes to MUTATIONS"
    assert covered - unsafe == set(), "these routes no longer exist"


@pytest.fixture
def world(demo, make_user, test_password):  # type: ignore[no-untyped-def]
    action = db.session.scalars(
        select(Action).where(Action.department_id.is_not(None), Action.status == "in_progress").order_by(Action.id)
    ).first()
    finding = db.session.scalars(select(Finding).order_by(Finding.id)).first()
    inspection = db.session.scalars(select(Inspection).order_by(Inspection.id)).first()
    w: dict[str, Any] = {
        "admin": make_user("admin"), "quality": make_user("quality"), "viewer": make_user("viewer"),
        "lead": make_user("lead", departments=[action.department]),
        "target": make_user("viewer", email="target@example.nhs.uk"),
        "action": action.id, "finding": finding.id, "inspection": inspection.id,
        "due_on": action.due_on.isoformat(), "status": action.status, "password": test_password,
    }
    def id_of(table: str, column: str, value: str) -> int | None:
        return db.session.execute(
            text(f"SELECT id FROM {table} WHERE {column} = :value"), {"value": value}
        ).scalar()

    w["id_of"] = id_of
    w["draft"] = lambda: id_of("inspections", "report_ref", "MOCK-2026-10")
    w["whipps"] = id_of("hospitals", "ods_code", "R1HKH")
    w["trust"] = id_of("trusts", "ods_code", "R1H")
    w["urgent"] = db.session.scalar(
        select(Department.id).join(Hospital).where(Hospital.ods_code == "R1HKH", Department.service_code == "urgent")
    )
    w["version"] = lambda: db.session.get(Action, action.id).version
    w["new_user_id"] = lambda: db.session.scalar(select(User.id).where(User.email == "new.person@example.nhs.uk"))
    w["last_update_id"] = lambda: max(u.id for u in db.session.get(Action, action.id).updates)
    return w


def _matches(expected: Any, before: Any, after: Any) -> bool:
    if expected is CHANGED:
        return before is not None and after is not None and before != after
    if expected is ANY:
        return True
    want_before, want_after = expected
    return (want_before is ANY or want_before == before) and (want_after is ANY or want_after == after)


def test_each_mutating_route_leaves_one_event_per_change_with_before_and_after(app, world, login_as):
    problems = []
    last_id = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    for mutation in MUTATIONS:
        actor = world[mutation.role]
        # Values such as the current version are read before the request.
        data = mutation.data(world)
        client = login_as(app.test_client(), db.session.get(User, actor.id))
        with app.test_request_context():
            url = url_for(mutation.endpoint, **mutation.url_args(world)) + mutation.url_query
        response = client.open(url, method=mutation.method, data=data)
        db.session.rollback()
        db.session.expire_all()
        label = f"{mutation.method} {url} as {mutation.role}"
        if response.status_code != mutation.status:
            problems.append(f"{label}: status {response.status_code}")
            continue
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)).all()
        expected = mutation.events(world)
        if len(events) != len(expected):
            problems.append(f"{label}: {len(events)} events, expected {len(expected)}: "
                            f"{[(e.action, e.record_kind, sorted(e.changes)) for e in events]}")
        for event, (action, kind, record_id, fields) in zip(events, expected):
            where = f"{label}: {event.action} {event.record_kind} {event.record_id}"
            if (event.action, event.record_kind, event.record_id) != (action, kind, record_id):
                problems.append(f"{where}: expected {action} {kind} {record_id}")
            if event.user_id != actor.id:
                problems.append(f"{where}: by user {event.user_id}, expected {actor.id}")
            if set(event.changes) != set(fields):
                problems.append(f"{where}: changed {sorted(event.changes)}, expected {sorted(fields)}")
            for name, want in fields.items():
                if name in event.changes and not _matches(want, *event.changes[name]):
                    problems.append(f"{where}: {name} went {event.changes[name]}, expected {want}")
            secrets = [v for name in ("password_hash", "session_token") for v in event.changes.get(name, [])]
            if any(v is not None and not str(v).startswith("[redacted") for v in secrets):
                problems.append(f"{where}: a secret was written to the trail")
        if events:
            last_id = events[-1].id
    assert problems == [], "\n".join(problems)
