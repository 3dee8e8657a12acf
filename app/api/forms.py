"""The administrator's form for issuing an API token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.audit.forms import IsoDateField
from app.auth.models import User
from app.domain.access import ROLES


class NewTokenForm(FlaskForm):
    user = SelectField(
        "User the token acts as",
        validators=[DataRequired("Choose the user the token acts as.")],
        invalid_choice_message="User must be one of the active users in the list",
        description="The token reads what this user's role may read, as the role is at the time "
                    "of each request. Deactivating the user stops the token.",
    )
    name = StringField(
        "What the token is for",
        validators=[DataRequired("Enter what the token is for, for example Power BI quality dashboard."),
                    Length(max=100, message="What the token is for must be 100 characters or fewer.")],
        description="For example, Power BI quality dashboard. It is shown in the list of tokens.",
    )
    expires_on = IsoDateField(
        "Expiry date",
        format="%Y-%m-%d",
        validators=[Optional()],
        description="Optional. The token stops working at the start of this day, for example "
                    "2027-03-31. Leave it blank for a token that works until it is revoked.",
    )

    def set_users(self, users: list[User]) -> None:
        self.user.choices = [SelectChoice("", "Choose a user")] + [
            SelectChoice(str(u.id), f"{u.name} ({u.email}), {ROLES[u.role]}") for u in users
        ]
