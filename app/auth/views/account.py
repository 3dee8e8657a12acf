"""Signing in and out, and the signed-in user's own account and password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp, services
from app.auth.access import mark_session_started, public, requires
from app.auth.forms import PasswordChangeForm, SignInForm
from app.domain.access import ROLES
from app.extensions import db
from app.forms_support import saved


def safe_next(target: str | None) -> str | None:
    """`next` only ever leads to a path on this site (ASVS 5.1.5): no scheme, no host, no
    protocol-relative '//' or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    destination = safe_next(request.args.get("next")) or url_for("organisations.home")
    if current_user.is_authenticated:
        return redirect(destination)
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in(
                form.email.data or "", form.password.data or "", remote_addr=request.remote_addr
            )
        except services.SignInRefused as refused:
            db.session.commit()  # the failed attempt counts towards the limit
            form.form_errors.append(str(refused))
        else:
            session.clear()  # a new session: nothing from before signing in carries over
            login_user(user, remember=False)
            mark_session_started()
            db.session.commit()
            return redirect(destination)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/sign-out")
@requires("read")
def logout():
    services.end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.signed_out"))


@bp.get("/signed-out")
@public
def signed_out():
    return render_template("auth/signed_out.html")


@bp.get("/account")
@requires("read")
def account():
    return render_template("auth/account.html", roles=ROLES)


@bp.route("/account/password", methods=["GET", "POST"])
@requires("read")
def change_password():
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit() and saved(form, lambda: services.change_own_password(
        user, form.current_password.data or "", form.new_password.data or "",
        form.confirm_password.data or "",
    )):
        # The new session token ended every session; keep this one, signed in afresh.
        session.clear()
        login_user(user, remember=False)
        mark_session_started()
        flash("Your password has been changed. Your other sessions have been signed out.")
        return redirect(url_for("auth.account"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/password.html", form=form), status
