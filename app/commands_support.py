"""What the command-line commands share: a --date / --as-of option's value as a date."""

from __future__ import annotations

from datetime import date, datetime

import click


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    """A click callback: YYYY-MM-DD as a date, today when the option is not given."""
    if value is None:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD, for example 2026-10-31.") from None
