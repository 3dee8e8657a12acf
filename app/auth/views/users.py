"""The administrator's user management: list, create and edit accounts, deactivate and
reactivate them, and set a new password for someone who has forgotten theirs."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from app.audit.services import history_for
from app.auth import bp, services
from app.auth.access import requires
from app.auth.forms import NewUserForm, SetPasswordForm, UserForm
from app.auth.models import User
from app.domain.access import ROLES
from app.extensions import db
from app.forms_support import ConfirmForm, saved
from app.organisations.models import Department, Hospital

# What each role may do, in a line under its radio button.
ROLE_HINTS = {
    "admin": "Manages user accounts and sees the audit log. Cannot record inspections or actions.",
    "quality": "Records inspections, findings and actions, and updates any action.",
    "lead": "Updates the actions of their own departments. Choose the departments below.",
    "viewer": "Reads everything and downloads board packs. Changes nothing.",
}


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description=f"There is no user with the number {user_id}. "
                               "Go back to the list of users and choose one from there.")
    return user


def _department_choices(form: FlaskForm, keep: Iterable[Department] = ()) -> list[Department]:
    """Every current department, plus any retired one the user still has (so saving the form
    does not quietly drop it), as the form's choices; returns them for the template."""
    kept_ids = {d.id for d in keep}
    departments = db.session.scalars(
        select(Department)
        .join(Hospital)
        .where(Department.retired_on.is_(None) | Department.id.in_(kept_ids))
        .options(joinedload(Department.hospital))
        .order_by(Hospital.name, Department.name)
    ).all()
    form.departments.choices = [SelectChoice(d.id, f"{d.name}, {d.hospital.name}") for d in departments]
    return list(departments)


def _chosen_departments(ids: list[int] | None) -> list[Department]:
    if not ids:
        return []
    return list(db.session.scalars(select(Department).where(Department.id.in_(ids))))


def _status(form: FlaskForm, *others: FlaskForm) -> int:
    return 400 if any(f.errors or f.form_errors for f in (form, *others)) else 200


@bp.get("/admin/users")
@requires("manage_users")
def users():
    accounts = db.session.scalars(
        select(User)
        .options(selectinload(User.departments).joinedload(Department.hospital))
        .order_by(User.active.desc(), User.name, User.email)
    ).all()
    return render_template("auth/users.html", users=accounts, roles=ROLES)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires("manage_users")
def new_user():
    form = NewUserForm()
    departments = _department_choices(form)
    created: list[User] = []
    if form.validate_on_submit() and saved(form, lambda: created.append(services.create_user(
        email=form.email.data or "",
        name=form.name.data or "",
        job_title=form.job_title.data,
        role=form.role.data or "",
        departments=_chosen_departments(form.departments.data),
        password=form.password.data or "",
        actor=current_user._get_current_object(),
    ))):
        user = created[0]
        flash(f"Account created for {user.name} ({user.email}). "
              "Tell them their initial password privately.")
        return redirect(url_for("auth.edit_user", user_id=user.id))
    return render_template(
        "auth/user_new.html", form=form, departments=departments, role_hints=ROLE_HINTS
    ), _status(form)


def _edit_page(user: User, form: UserForm | None = None, password_form: SetPasswordForm | None = None,
               status_form: ConfirmForm | None = None) -> tuple[str, int]:
    """The edit page with whichever of its forms was just posted (and its errors)."""
    if form is None:
        form = UserForm(formdata=None, data={
            "name": user.name, "job_title": user.job_title, "role": user.role,
            "departments": sorted(user.department_ids),
        })
    departments = _department_choices(form, keep=user.departments)
    password_form = password_form or SetPasswordForm(formdata=None)
    status_form = status_form or ConfirmForm(formdata=None)
    return render_template(
        "auth/user_edit.html",
        user=user,
        form=form,
        password_form=password_form,
        status_form=status_form,
        departments=departments,
        role_hints=ROLE_HINTS,
        roles=ROLES,
        history=history_for(user),
        is_self=user.id == current_user.id,
    ), _status(form, password_form, status_form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires("manage_users")
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _edit_page(user)
    form = UserForm()
    _department_choices(form, keep=user.departments)
    if form.validate() and saved(form, lambda: services.update_user(
        user,
        name=form.name.data or "",
        job_title=form.job_title.data,
        role=form.role.data or "",
        departments=_chosen_departments(form.departments.data),
        actor=current_user._get_current_object(),
    )):
        flash(f"The changes to {user.name}'s account have been saved.")
        return redirect(url_for("auth.edit_user", user_id=user.id))
    return _edit_page(user, form=form)


def _set_active(user_id: int, active: bool):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    form = ConfirmForm()
    if form.validate_on_submit() and saved(
        form, lambda: services.set_active(user, active, actor=current_user._get_current_object())
    ):
        if active:
            flash(f"{user.name}'s account has been reactivated. They can sign in again.")
        else:
            flash(f"{user.name}'s account has been deactivated and every session of it has ended.")
        return redirect(url_for("auth.edit_user", user_id=user.id))
    return _edit_page(user, status_form=form)


@bp.post("/admin/users/<int:user_id>/deactivate")
@requires("manage_users")
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/admin/users/<int:user_id>/reactivate")
@requires("manage_users")
def reactivate_user(user_id: int):
    return _set_active(user_id, True)


@bp.post("/admin/users/<int:user_id>/password")
@requires("manage_users")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        if user.id == current_user.id:
            # Changing one's own password needs the current one (Your account).
            form.form_errors.append("To change your own password, use Change your password "
                                    "under Your account, which asks for your current one.")
            return _edit_page(user, password_form=form)
        if saved(form, lambda: services.set_password(
            user, form.password.data or "", actor=current_user._get_current_object()
        )):
            flash(f"{user.name}'s password has been set and every session of theirs has ended. "
                  "Tell them the new password privately.")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    return _edit_page(user, password_form=form)
