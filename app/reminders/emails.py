"""A digest as an e-mail: plain text and HTML from the two templates beside this module, and
the absolute link to each action.

The templates live in the area (not app/templates) because an e-mail is not a page: it does not
extend layout.html and its HTML carries inline styles, as mail programs ignore style sheets.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from functools import cache
from urllib.parse import urlsplit

from flask import current_app
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app import mail
from app.presentation import long_date
from app.reminders.digest import DUE_SOON_DAYS, Digest


class BaseUrlProblem(ValueError):
    """APP_BASE_URL is missing or is not an http(s) address."""


def action_link(base_url: str | None) -> Callable[[int], str]:
    """`link(action_id)` -> the absolute address of the action's page under `base_url`
    (APP_BASE_URL, which may include a path such as https://intranet.example/quality)."""
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        what = f"is {base_url!r}, which is not" if base_url else "is not set; it must be"
        raise BaseUrlProblem(
            f"APP_BASE_URL {what} the http(s) address people open Quality Ledger at, for "
            "example https://quality-ledger.example.nhs.uk. The e-mails link to each action there."
        )
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return lambda action_id: adapter.build(
        "actions.action", {"action_id": action_id}, force_external=True
    )


@cache
def _templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("app.reminders", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["long_date"] = long_date
    return environment


def render(digest: Digest) -> tuple[str, str]:
    """The digest's plain-text and HTML bodies."""
    sections = [
        (heading, items)
        for heading, items in (
            ("Overdue", digest.overdue),
            (f"Due within {DUE_SOON_DAYS} days, by {long_date(digest.due_soon_until)}", digest.due_soon),
        )
        if items
    ]
    values = {"digest": digest, "sections": sections, "days": DUE_SOON_DAYS}
    environment = _templates()
    return (
        environment.get_template("digest.txt").render(values),
        environment.get_template("digest.html").render(values),
    )


def message(digest: Digest, sender: str) -> EmailMessage:
    text, html = render(digest)
    return mail.build_message(
        sender=sender,
        to_name=digest.owner_name,
        to_address=digest.owner_email,
        subject=digest.subject,
        text=text,
        html=html,
    )
