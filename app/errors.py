"""Errors services raise for the views to show, and the app's error pages.

Every error page is rendered from error.html in the house style; none shows a stack trace.
"""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import (
    Conflict,
    HTTPException,
    InternalServerError,
    ServiceUnavailable,
)

from app.extensions import db


class ValidationError(Exception):
    """Bad input, with one message per field: {"visit_end": "The visit cannot end before..."}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


# Title and plain-English explanation of each error page, as the NHS.UK service manual words them.
PAGES: dict[int, tuple[str, str]] = {
    400: ("Sorry, there is a problem with the request",
          "The page could not understand what was sent. Go back, check what you entered and try again."),
    403: ("You do not have permission to do this",
          "Your account's role does not allow this page or change. Ask your administrator if you need it."),
    404: ("Page not found",
          "If you typed the web address, check it is correct. If you pasted it, check you copied all of it."),
    405: ("Sorry, that cannot be done here",
          "This page does not accept that kind of request."),
    409: ("Someone else changed this record",
          "The record changed after you opened it, so your change was not saved. "
          "Open it again to see the current version."),
    413: ("The file is too large",
          "The upload is larger than the limit. Choose a smaller file and try again."),
    500: ("Sorry, there is a problem with the service",
          "Try again later. Nothing you entered was saved."),
    503: ("Sorry, the service is unavailable",
          "The service cannot reach its database just now. Try again in a few minutes. "
          "Nothing you entered was saved."),
}


def render_error(code: int, description: str | None = None):  # type: ignore[no-untyped-def]
    title, default = PAGES.get(code, PAGES[500] if code >= 500 else PAGES[400])
    return render_template("error.html", code=code, title=title, description=description or default), code


def too_large_message(limit: int) -> str:
    """The 413 page's message: the limit in words, and that nothing of the form was kept (the
    request is refused before any of it is read, the update's text too)."""
    from app.domain.files import size_label

    return (
        f"The upload is larger than the limit of {size_label(limit)}. Nothing was saved, not even "
        "the text you typed with the file. Go back, choose a smaller file (for example, a PDF "
        "saved at a lower resolution, or the document split in parts) and send the form again."
    )


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError):  # type: ignore[no-untyped-def]
        return render_error(
            400,
            "The form could not be accepted because its security token was missing or had "
            "expired. Go back, reload the page and submit the form again.",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):  # type: ignore[no-untyped-def]
        if error.code is None or error.code < 400:
            return error
        if error.code == 403:
            # Refusals are security events: who tried what (ASVS 7.2.2).
            current_app.logger.warning(
                "Access refused: user %s, %s %s",
                getattr(current_user, "id", "anonymous"), request.method, request.path,
            )
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if error.code == 413 and limit:
            return render_error(413, too_large_message(int(limit)))
        # Our own aborts carry a helpful description; werkzeug's stock ones do not.
        own = error.description if error.description != type(error).description else None
        return render_error(error.code, own)

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return render_error(Conflict.code)

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        current_app.logger.error("Database unavailable: %s", error)
        # The page must not try the database again to find who is signed in.
        g._login_user = AnonymousUserMixin()
        return render_error(ServiceUnavailable.code)

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return render_error(500)
