"""The audit log: every change to every record, filtered, a page at a time or as a CSV file."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Response, abort, render_template, request, stream_with_context

from app.audit import bp
from app.audit import log as trail
from app.audit.forms import AuditFilterForm
from app.auth.access import requires

PER_PAGE = 50

# The pages records are shown on: record kind -> (endpoint, the URL argument that takes the
# entry's record_key). Kinds without a page of their own are shown as text.
RECORD_PAGES = {"hospitals": ("organisations.hospital", "code")}


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.set_choices(*trail.filter_choices())
    return form


@bp.get("/audit")
@requires("view_audit")
def log():
    form = _filter_form()
    if not form.validate():
        # Bad filters show their errors and no events, never an unfiltered list.
        return render_template("audit/log.html", form=form, page=None, query_args=form.query_args()), 400
    page = trail.events_page(form.filters(), request.args.get("page", 1, type=int), PER_PAGE)
    if page.page > page.pages:
        abort(404, description=f"The audit log has no page {page.page}: it has {page.pages}.")
    return render_template(
        "audit/log.html",
        form=form,
        page=page,
        query_args=form.query_args(),
        record_pages=RECORD_PAGES,
    )


@bp.get("/audit.csv")
@requires("view_audit")
def export():
    form = _filter_form()
    if not form.validate():
        first = next(iter(form.errors.values()))[0]
        abort(400, description=f"The audit log could not be exported: {first}.")
    today = datetime.now(timezone.utc).date()
    return Response(
        stream_with_context(trail.csv_lines(form.filters())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{today.isoformat()}.csv"'},
    )
