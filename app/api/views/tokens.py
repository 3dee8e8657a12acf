"""The administrator's API token pages: the list (who, what for, created, last used, expiry,
revoked), issuing a token (shown once, on the page that answers the post) and revoking one."""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api import bp, services
from app.api.forms import NewTokenForm
from app.api.models import ApiToken
from app.auth.access import requires
from app.auth.models import User
from app.extensions import db
from app.forms_support import ConfirmForm, saved


def _today() -> date:
    # Expiry is checked against the UTC date (app.api.auth), so the list says the same.
    return datetime.now(timezone.utc).date()


def _list(problem: ConfirmForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    tokens = db.session.scalars(
        select(ApiToken)
        .options(joinedload(ApiToken.user), joinedload(ApiToken.created_by), joinedload(ApiToken.revoked_by))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    return render_template("api/tokens.html", tokens=tokens, today=_today(),
                           problem=problem, revoke_form=ConfirmForm(formdata=None)), status


@bp.get("/api-tokens")
@requires("manage_api_tokens")
def tokens():
    return _list()


def _active_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.email)))


@bp.route("/api-tokens/new", methods=["GET", "POST"])
@requires("manage_api_tokens")
def new_token():
    form = NewTokenForm()
    form.set_users(_active_users())
    issued: list[tuple[ApiToken, str]] = []
    if form.validate_on_submit() and saved(form, lambda: issued.append(services.issue_token(
        user=db.session.get(User, int(form.user.data or 0)),
        name=form.name.data or "",
        expires_on=form.expires_on.data,
        actor=current_user._get_current_object(),
        today=_today(),
    ))):
        token, plaintext = issued[0]
        # The only time the token is ever shown: the page that answers the post (not cached,
        # as no page is: app.security sets Cache-Control: no-store).
        return render_template("api/token_issued.html", token=token, plaintext=plaintext)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("api/token_new.html", form=form), status


@bp.post("/api-tokens/<int:token_id>/revoke")
@requires("manage_api_tokens")
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404, description=f"There is no API token number {token_id}. Go back to the list of tokens.")
    form = ConfirmForm()
    if form.validate_on_submit() and saved(
        form, lambda: services.revoke_token(token, actor=current_user._get_current_object())
    ):
        flash(f"The token “{token.name}” of {token.user.name} has been revoked. It no longer works.")
        return redirect(url_for("api.tokens"))
    if not form.form_errors:
        form.form_errors.append("The form's security token was missing or had expired. Submit the form again.")
    return _list(problem=form, status=400)
