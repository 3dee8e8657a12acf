"""Board pack pages: choose and preview, download the PDF, issue it to the board, the packs
issued for a trust, and an issued pack's bytes exactly as issued."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.auth.access import requires
from app.boardpacks import bp
from app.boardpacks.forms import IssueForm, PackForm
from app.boardpacks.pdf import PackRenderError
from app.boardpacks.queries import subject_by_code
from app.boardpacks.rendering import pack_pdf, stylesheet_href
from app.boardpacks.services import (
    BoardPack,
    build_pack,
    change_words,
    issue_pack,
    issued_packs,
    issued_pdf,
)
from app.errors import render_error
from app.extensions import db
from app.forms_support import saved
from app.models_support import utcnow
from app.organisations.models import Hospital, Trust
from app.organisations.services import trust_by_code


def _args_without_blanks() -> MultiDict:
    return MultiDict([(key, value) for key, value in request.args.items(multi=True) if value.strip()])


def _pack(subject: Trust | Hospital, as_of: date) -> BoardPack:
    return build_pack(subject, as_of, generated_by=f"{current_user.name}", generated_at=utcnow())


def _render_failed(error: PackRenderError):  # type: ignore[no-untyped-def]
    db.session.rollback()
    current_app.logger.error("Board pack render failed: %s", error)
    return render_error(
        503,
        f"{error} No PDF was produced and nothing was saved. Try again in a few minutes; if it "
        "keeps failing, tell the service's administrators.",
    )


def _preview_page(form: PackForm, pack: BoardPack | None, issue_form: IssueForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "boardpacks/pack.html",
        preview=True,
        form=form,
        issue_form=issue_form,
        pack=pack,
        can_issue=current_user.can("issue_board_packs"),
        stylesheet=stylesheet_href(),
        change_words_for=change_words,
    ), status


@bp.get("/board-packs")
@requires("download_board_packs")
def choose():
    form = PackForm(_args_without_blanks())
    if not request.args.get("subject") or not form.validate():
        if not request.args:
            form = PackForm(MultiDict())  # a first visit shows no errors
        return _preview_page(form, None)
    subject = subject_by_code(form.subject.data)
    if subject is None:  # removed since the choices were read
        abort(404, description=f"There is no trust or hospital with the code {form.subject.data}.")
    return _preview_page(form, _pack(subject, form.as_of.data or date.today()))


@bp.get("/board-packs/pack.pdf")
@requires("download_board_packs")
def download():
    form = PackForm(_args_without_blanks())
    if not form.validate():
        problems = " ".join(errors[0] for errors in form.errors.values())
        abort(400, description=f"The board pack cannot be made: {problems}")
    subject = subject_by_code(form.subject.data)
    if subject is None:
        abort(404, description=f"There is no trust or hospital with the code {form.subject.data}.")
    pack = _pack(subject, form.as_of.data or date.today())
    try:
        pdf = pack_pdf(pack)
    except PackRenderError as error:
        return _render_failed(error)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/board-packs/issue")
@requires("issue_board_packs")
def issue():
    form = IssueForm()
    if form.validate():
        subject = subject_by_code(form.subject.data)
        if subject is None:
            abort(404, description=f"There is no trust or hospital with the code {form.subject.data}.")
        made = []
        try:
            if saved(form, lambda: made.append(issue_pack(
                subject, form.as_of.data, issued_by=current_user._get_current_object(), generated_at=utcnow()
            ))):
                flash(f"Issued to the board: {made[0].title}. Its SHA-256 fingerprint is {made[0].sha256}.")
                trust_code = subject.ods_code if isinstance(subject, Trust) else subject.trust.ods_code
                return redirect(url_for("boardpacks.issued", trust_code=trust_code))
        except PackRenderError as error:
            return _render_failed(error)
    preview = PackForm(MultiDict({"subject": form.subject.data or ""}))
    preview.validate()
    if not form.subject.data:
        preview = PackForm(MultiDict())
    return _preview_page(preview, None, issue_form=form, status=400)


@bp.get("/board-packs/issued/<trust_code>")
@requires("download_board_packs")
def issued(trust_code: str):
    trust = trust_by_code(trust_code)
    if trust is None:
        abort(404, description=f"There is no trust with the ODS code {trust_code}.")
    return render_template("boardpacks/issued.html", trust=trust, packs=issued_packs(trust),
                           can_issue=current_user.can("issue_board_packs"))


@bp.get("/board-packs/issued-pack/<int:pack_id>")
@requires("download_board_packs")
def issued_pack(pack_id: int):
    found = issued_pdf(pack_id)
    if found is None:
        abort(404, description=f"There is no issued board pack number {pack_id}.")
    pack, pdf = found
    etag = f'"{pack.sha256}"'
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag, "Cache-Control": "no-store"})
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["ETag"] = etag
    response.headers["Digest"] = f"sha-256={pack.sha256}"
    return response
