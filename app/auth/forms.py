"""Forms of signing in and of the user's own account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.auth.passwords import MAX_LENGTH
from app.domain.access import ROLES


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH * 4)],
    )

    def validate_email(self, field: EmailField) -> None:
        # The address is looked up in the database: PostgreSQL refuses a NUL in text (a 500),
        # and no real address holds a control character.
        if any(ord(c) < 32 for c in field.data or ""):
            raise ValidationError("Enter an email address in the correct format, like name@example.nhs.uk.")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password.")],
        description="At least 12 characters. A few unrelated words make a strong, memorable password.",
    )
    confirm_password = PasswordField(
        "Confirm the new password", validators=[DataRequired("Enter the new password again.")]
    )


# -- The administrator's user management ------------------------------------------------------
# The service checks the rules (address format, uniqueness, password policy, a lead's
# departments); the forms only say what is missing and accept nothing but their own fields,
# so a tampered post cannot reach `active`, `session_token` or the like.


def _name_field() -> StringField:
    return StringField(
        "Full name",
        validators=[DataRequired("Enter the person's name."),
                    Length(max=200, message="The name must be 200 characters or fewer.")],
    )


def _job_title_field() -> StringField:
    return StringField(
        "Job title (optional)",
        validators=[Optional(), Length(max=200, message="The job title must be 200 characters or fewer.")],
    )


def _role_field() -> RadioField:
    return RadioField("Role", choices=[SelectChoice(role, name) for role, name in ROLES.items()], validators=[InputRequired("Choose a role.")])


def _departments_field() -> SelectMultipleField:
    # Choices are every current department, set by the view (user_departments_choices).
    return SelectMultipleField(
        "Departments", coerce=int, choices=[],
        description="Only for a department lead: the departments whose actions they may update.",
    )


def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired("Enter a password."), Length(max=MAX_LENGTH * 4)],
        description="At least 12 characters, and not a common password. Tell the person "
                    "privately; they can change it under Your account.",
    )


class UserForm(FlaskForm):
    """An administrator's changes to an account: details, role and departments."""

    name = _name_field()
    job_title = _job_title_field()
    role = _role_field()
    departments = _departments_field()


class NewUserForm(FlaskForm):
    """A new account; the fields in the order the page shows them."""

    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter the person's email address."), Length(max=254)],
        description="They sign in with this address. It cannot be changed later.",
    )
    name = _name_field()
    job_title = _job_title_field()
    role = _role_field()
    departments = _departments_field()
    password = _password_field("Initial password")


class SetPasswordForm(FlaskForm):
    """An administrator's new password for someone who has forgotten theirs."""

    password = _password_field("New password")
