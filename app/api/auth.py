"""Bearer-token authentication and the permission check of the read API.

The API's views are marked `public` for app.auth.access.enforce_access, which handles signed-in
*sessions*: the API never reads the session (so it sets no cookie and a session cookie grants
nothing, which is also why it needs no CSRF token). Instead `api_requires(permission)` reads
`Authorization: Bearer <token>`, loads the token's user afresh and checks the permission
against the same table as the pages (app.domain.access), with the user's role as it is now.
Every refusal or bad request is JSON: {"status", "message", "errors"}.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app.api import services
from app.auth.access import public
from app.auth.models import User
from app.domain.access import PERMISSIONS
from app.extensions import db

View = TypeVar("View", bound=Callable[..., Any])
REALM = "Quality Ledger API"


class ApiError(Exception):
    """A refusal or bad request, answered as JSON. `errors` maps a parameter to its problem."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None,
                 challenge: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.challenge = challenge


def error_response(error: ApiError) -> Response:
    response = jsonify({"status": error.status, "message": error.message, "errors": error.errors})
    response.status_code = error.status
    if error.status == 401:
        challenge = f'Bearer realm="{REALM}"'
        if error.challenge:
            # RFC 6750: a header of the wrong form is an invalid request, a bad token an invalid token.
            code = "invalid_request" if error.challenge == "malformed" else "invalid_token"
            challenge += f', error="{code}", error_description="{error.challenge}"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def _unauthorised(message: str, reason: str | None = None) -> ApiError:
    return ApiError(401, message, challenge=reason)


def authenticate() -> User:
    """The user the request's bearer token acts as, or ApiError(401) saying why not."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        raise _unauthorised("Send an API token: Authorization: Bearer <token>. An administrator "
                            "issues tokens under API tokens. Signed-in browser sessions are not accepted.")
    if scheme.lower() != "bearer" or not value.strip():
        raise _unauthorised("The Authorization header must be: Bearer <token>.", "malformed")
    token = services.token_for(value.strip())
    today = datetime.now(timezone.utc).date()
    if token is None:
        raise _unauthorised("The API token is not valid.", "unknown token")
    if token.revoked_at is not None:
        raise _unauthorised("The API token has been revoked.", "revoked")
    if token.expired(today):
        raise _unauthorised(f"The API token expired on {token.expires_on.isoformat()}.", "expired")  # type: ignore[union-attr]
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        raise _unauthorised("The API token's user account is deactivated.", "user deactivated")
    services.note_use(token, datetime.now(timezone.utc))
    g.api_token_id = token.id
    return user


def api_user() -> User:
    """The user the current API request acts as (set by api_requires)."""
    return g.api_user  # type: ignore[no-any-return]


def api_requires(permission: str) -> Callable[[View], View]:
    """An API view for tokens whose user's role holds `permission`; errors become JSON."""
    if permission not in PERMISSIONS:
        raise ValueError(f"{permission!r} is not a permission")

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                user = authenticate()
                if not user.can(permission):
                    current_app.logger.warning("API access refused: user %s, %s %s",
                                               user.id, request.method, request.path)
                    raise ApiError(403, "Your role does not allow this. Ask your administrator if you need it.")
                g.api_user = user
                return view(*args, **kwargs)
            except ApiError as error:
                return error_response(error)
            except HTTPException as error:
                return error_response(ApiError(error.code or 500, error.description or error.name))

        wrapped.api_permission = permission  # type: ignore[attr-defined]
        # Sessions are not the API's concern; the token check above is its rule.
        return public(wrapped)  # type: ignore[return-value]

    return decorate
