"""The read API's actions: the actions board's filters and sort orders, validated by the
board's own form and read by the board's own queries (app.actions.queries), and `mine=1`,
My actions' scope: a lead's departments' actions and the actions the user owns. `mine` is for
the roles that have My actions (update_actions); others get 403, as the page refuses them."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from flask import jsonify, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.actions import queries
from app.actions.list_forms import ActionFilterForm, chosen
from app.actions.models import Action, ActionUpdate
from app.api import bp
from app.api.auth import ApiError, api_requires, api_user
from app.api.params import args, bad, flag, iso, moment, page_of, paging
from app.extensions import db

FILTERS = ("trust", "hospital", "department", "status", "owner", "due_within", "sort", "overdue",
           "must_do", "archived")


def _row_json(row: queries.ActionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "priority": row.priority,
        "due_on": row.due_on.isoformat(),
        "original_due_on": row.original_due_on.isoformat(),
        "completed_on": iso(row.completed_on),
        "verified_on": iso(row.verified_on),
        "hospital": row.hospital_code,
        "department": row.department_code,
        "owner": {"name": row.owner_name, "email": row.owner_email},
        "overdue": row.overdue,
        "days_late": row.days_late,
        "must_do": row.must_do,
        "archived": row.archived,
        "url": url_for("api.action", action_id=row.id),
    }


@bp.get("/api/v1/actions")
@api_requires("read")
def actions():
    query = args(("page", "per_page", "mine", *FILTERS))
    paged = paging()
    mine = flag("mine")
    form = ActionFilterForm(query)
    form.set_choices(queries.filter_choices(**chosen(query)))
    if not form.validate():
        raise bad({name: messages[0] for name, messages in form.errors.items()})
    filters = form.filters()
    if mine:
        user = api_user()
        if not user.can("update_actions"):
            raise ApiError(403, "mine=1 lists the actions you work on (My actions): your role has none. "
                                "Leave mine out to read the actions board.", {"mine": "Your role has no My actions."})
        lead = user.role == "lead"
        filters = dataclasses.replace(
            filters,
            scope_department_ids=frozenset(user.department_ids) if lead else None,
            scope_owner_id=user.id,
        )
    page = queries.actions_page(filters, date.today(), page=paged.page,
                                sort=form.sort.data or queries.DEFAULT_SORT, per_page=paged.per_page)
    return jsonify(page_of([_row_json(r) for r in page.rows], page.total, paged))


@bp.get("/api/v1/actions/<int:action_id>")
@api_requires("read")
def action(action_id: int):
    """One action with the findings it answers and its progress updates, oldest first."""
    args(())
    found = db.session.scalar(
        select(Action).where(Action.id == action_id).options(
            joinedload(Action.hospital), joinedload(Action.department), joinedload(Action.owner),
            selectinload(Action.findings),
            selectinload(Action.updates).joinedload(ActionUpdate.author),
        )
    )
    if found is None:
        raise ApiError(404, f"There is no action number {action_id}.")
    today = date.today()
    return jsonify({
        "id": found.id,
        "title": found.title,
        "description": found.description,
        "status": found.status,
        "priority": found.priority,
        "due_on": found.due_on.isoformat(),
        "original_due_on": found.original_due_on.isoformat(),
        "completed_on": iso(found.completed_on),
        "verified_on": iso(found.verified_on),
        "cancel_reason": found.cancel_reason,
        "hospital": found.hospital.ods_code,
        "department": found.department.code if found.department else None,
        "owner": {"name": found.owner.name, "email": found.owner.email},
        "overdue": found.is_overdue(today),
        "days_late": found.days_late(today),
        "must_do": any(f.kind == "must_do" and not f.is_archived for f in found.findings),
        "archived": found.is_archived,
        "finding_ids": [f.id for f in found.findings],
        "updates": [
            {
                "at": moment(update.created_at),
                "author": update.author.name,
                "text": update.text,
                "status_from": update.status_from,
                "status_to": update.status_to,
                "percent_complete": update.percent_complete,
                "new_due_on": iso(update.new_due_on),
                "due_change_reason": update.due_change_reason,
            }
            for update in sorted(found.updates, key=lambda u: (u.created_at, u.id))
        ],
        "url": url_for("api.action", action_id=found.id),
    })
