"""Forms of the organisation pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional


class AsOfForm(FlaskForm):
    """The "as of" date of a grid: a GET form, so no CSRF token; blank means today."""

    class Meta:
        csrf = False

    as_of = DateField(
        "Show ratings as they stood on",
        validators=[Optional()],
        format="%Y-%m-%d",
        description="For example, 2016-06-01. Leave blank for today.",
    )
