"""The read API's audit trail, for the roles that see the audit log (view_audit: administrators
and the quality team), with the audit log page's filters, checked by its own form."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.auth import api_requires
from app.api.params import args, bad, moment, page_of, paging
from app.audit import log as trail
from app.audit.forms import AuditFilterForm


def _entry_json(entry: trail.LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "occurred_at": moment(entry.occurred_at),
        "user": {"name": entry.user_name, "email": entry.user_email} if entry.user_name else None,
        "action": entry.action,
        "record_kind": entry.record_kind,
        "record_id": entry.record_id,
        "changes": [{"field": field, "before": before, "after": after} for field, before, after in entry.changes],
    }


@bp.get("/api/v1/audit-events")
@api_requires("view_audit")
def audit_events():
    """Newest first. Filters: user (a user's number, or `system`), kind (a record kind, the
    table name), action, date_from and date_to (UTC days, YYYY-MM-DD, both included)."""
    form = AuditFilterForm(args(("page", "per_page", "user", "kind", "action", "date_from", "date_to")))
    paged = paging()
    form.set_choices(*trail.filter_choices())
    if not form.validate():
        raise bad({name: messages[0] for name, messages in form.errors.items()})
    page = trail.events_page(form.filters(), paged.page, paged.per_page)
    return jsonify(page_of([_entry_json(e) for e in page.entries], page.total, paged))
