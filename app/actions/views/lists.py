"""My actions (a lead's departments' actions, or the actions a quality-team member owns) and the
actions board (every action, filtered, sorted, a page at a time, or as a CSV file).

Both lists are read through app.actions.queries, where overdue is worked out in SQL from the
status and due date against today's date; nothing about it is stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from app.actions import bp, queries
from app.actions.list_forms import ActionFilterForm, MyActionsForm, chosen
from app.audit.log import csv_cell
from app.auth.access import requires

CSV_COLUMNS = (
    "id", "title", "status", "priority", "hospital", "hospital_name", "department", "department_name",
    "owner_email", "owner_name", "due_on", "original_due_on", "overdue", "days_late", "must_do",
    "completed_on", "verified_on", "archived",
)


def _today() -> date:
    return date.today()


def _page_or_404(page: queries.ActionPage, what: str) -> None:
    if page.page > page.pages:
        abort(404, description=f"{what} has no page {page.page}: it has {page.pages}.")


@bp.get("/actions/mine")
@requires("update_actions")
def my_actions():
    form = MyActionsForm(request.args)
    user = current_user._get_current_object()
    lead = user.role == "lead"
    departments = list(user.departments) if lead else []
    context: dict[str, Any] = {"form": form, "query_args": form.query_args(), "lead": lead,
                               "departments": departments, "today": _today(),
                               "due_soon_days": queries.DUE_SOON_DAYS}
    if not form.validate():
        return render_template("actions/mine.html", page=None, **context), 400
    filters = queries.ActionFilters(
        scope_department_ids=frozenset(d.id for d in departments) if lead else None,
        scope_owner_id=user.id,
        closed=bool(form.closed.data),
    )
    page = queries.actions_page(filters, _today(), page=request.args.get("page", 1, type=int),
                                sort=form.sort.data or queries.DEFAULT_SORT)
    _page_or_404(page, "My actions")
    return render_template("actions/mine.html", page=page, **context)


def _board_form() -> ActionFilterForm:
    form = ActionFilterForm(request.args)
    form.set_choices(queries.filter_choices(**chosen(request.args)))
    return form


@bp.get("/actions")
@requires("read")
def board():
    form = _board_form()
    context: dict[str, Any] = {"form": form, "query_args": form.query_args(), "today": _today(),
                               "due_soon_days": queries.DUE_SOON_DAYS}
    if not form.validate():
        # Bad filters show their errors and no actions, never an unfiltered list.
        return render_template("actions/board.html", page=None, **context), 400
    page = queries.actions_page(form.filters(), _today(), page=request.args.get("page", 1, type=int),
                                sort=form.sort.data or queries.DEFAULT_SORT)
    _page_or_404(page, "The actions board")
    return render_template("actions/board.html", page=page, **context)


def csv_lines(rows: Iterator[queries.ActionRow]) -> Iterator[str]:
    """The rows as CSV text, line by line, with cells a spreadsheet would run as a formula
    neutralised (app.audit.log.csv_cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: list[Any]) -> str:
        writer.writerow([csv_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # A byte-order mark, so that Excel reads the file as UTF-8 (names with accents).
    yield "\ufeff" + line(list(CSV_COLUMNS))
    for row in rows:
        yield line([
            str(row.id), row.title, row.status, row.priority, row.hospital_code, row.hospital_name,
            row.department_code, row.department_name, row.owner_email, row.owner_name,
            row.due_on.isoformat(), row.original_due_on.isoformat(), "yes" if row.overdue else "no",
            str(row.days_late), "yes" if row.must_do else "no",
            row.completed_on.isoformat() if row.completed_on else "",
            row.verified_on.isoformat() if row.verified_on else "",
            "yes" if row.archived else "no",
        ])


@bp.get("/actions.csv")
@requires("read")
def board_csv():
    form = _board_form()
    if not form.validate():
        first = next(iter(form.errors.values()))[0]
        abort(400, description=f"The actions could not be exported: {first}.")
    today = _today()
    rows = queries.all_rows(form.filters(), today, sort=form.sort.data or queries.DEFAULT_SORT)
    return Response(
        stream_with_context(csv_lines(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="actions-{today.isoformat()}.csv"'},
    )
