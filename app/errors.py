"""Errors services raise for the views to show, and the app's error pages.

Every error page is rendered from error.html in the house style; none shows a stack trace.
When the database cannot serve a request (unreachable, locked past its busy timeout, no pooled
connection free in time) or the disk is full, the answer is a 503 with Retry-After: the page,
or JSON under /api/. Nothing of the request is kept: the transaction is rolled back, and with
it any uploaded file it wrote (app/files/services.py). Pooled connections are tested before
use, so once the database is back the next request succeeds without restarting the app.
"""

from __future__ import annotations

import errno

from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
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
          "The service cannot reach its database just now, or the database is busy. Nothing you "
          "entered was saved. Try again in a minute."),
}

# When a 503 (database unreachable or busy, disk full) asks clients to come back, in seconds.
RETRY_AFTER_SECONDS = 30
# Errors that mean "the database cannot serve this request now", raised when connecting, running
# a statement or committing: the server is down or unreachable (OperationalError), the
# connection broke (InterfaceError), SQLite stayed locked past its busy timeout
# (OperationalError), or no pooled connection came free in time (the pool's TimeoutError).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)
DISK_FULL_MESSAGE = (
    "The server has run out of storage space, so nothing you entered was saved and no file was "
    "kept. Try again later; if this goes on, tell your IT service desk that the server's disk "
    "is full."
)
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def is_disk_full(error: BaseException) -> bool:
    """Whether the error says the disk (or quota) is full: the OS's ENOSPC/EDQUOT, SQLite's
    SQLITE_FULL, or PostgreSQL's disk_full (SQLSTATE 53100)."""
    if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
        return True
    original = getattr(error, "orig", None)
    if original is None:
        return False
    if getattr(original, "sqlite_errorname", None) == "SQLITE_FULL":
        return True
    if getattr(original, "sqlstate", None) == "53100":
        return True
    return "disk is full" in str(original) or "No space left on device" in str(original)


def render_error(code: int, description: str | None = None):  # type: ignore[no-untyped-def]
    """The error page, or under /api/ the API's JSON error shape (status, message, errors), so
    a program reading the API never gets HTML, whatever failed (an unknown path, a 405, a 500)."""
    title, default = PAGES.get(code, PAGES[500] if code >= 500 else PAGES[400])
    if has_request_context() and request.path.startswith("/api/"):
        return jsonify(status=code, message=description or f"{title}. {default}", errors={}), code
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

    for database_error in DATABASE_UNAVAILABLE:
        app.register_error_handler(database_error, _database_unavailable)
    app.register_error_handler(OSError, _disk_full)

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError):  # type: ignore[no-untyped-def]
        # The database can also fail while another error's page is made (a 404 page reads the
        # signed-in user for its header): that is still a 503, not a fault of ours.
        original = getattr(error, "original_exception", None)
        if isinstance(original, DATABASE_UNAVAILABLE):
            return _database_unavailable(original)
        _rollback_quietly()
        return render_error(500)


def _rollback_quietly() -> None:
    """Roll back what the request did (removing any file it wrote, app.files.services); the
    connection may be the broken one, so a failure here is logged, never shown."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the page must still be served
        current_app.logger.exception("Rollback failed after a database error")


def unavailable(description: str | None = None):  # type: ignore[no-untyped-def]
    """The 503 response: JSON under /api/, else the HTML page; always with Retry-After. It never
    touches the database (not even to find who is signed in), and never shows the error."""
    # The page's header reads the signed-in user; without this it would query the database.
    g._login_user = AnonymousUserMixin()
    default = PAGES[ServiceUnavailable.code][1]
    body, code = render_error(ServiceUnavailable.code, description or default)
    response = current_app.make_response((body, code))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _database_unavailable(error: Exception):  # type: ignore[no-untyped-def]
    _rollback_quietly()
    if is_disk_full(error):
        current_app.logger.error("Database refused a write, disk full: %s", error)
        return unavailable(DISK_FULL_MESSAGE)
    current_app.logger.error("Database unavailable: %s", error)
    return unavailable()


def _disk_full(error: OSError):  # type: ignore[no-untyped-def]
    """A full disk while writing an upload: nothing kept, a clear 503. Any other OSError is a
    fault of ours and goes on to the 500 page."""
    if not is_disk_full(error):
        raise error
    _rollback_quietly()
    current_app.logger.error("Disk full while handling %s %s: %s", request.method, request.path, error)
    return unavailable(DISK_FULL_MESSAGE)
