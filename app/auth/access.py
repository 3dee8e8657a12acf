"""Access control on every request: each view declares its rule, and a view without one is
refused (deny by default). Rules: `@public` (no sign-in), or `@requires(permission)` where the
permission is one of app.domain.access.PERMISSIONS. Object-level checks (a lead's departments)
live in the views and services that load the record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.domain.access import PERMISSIONS

View = TypeVar("View", bound=Callable[..., Any])
PUBLIC = "public"


def public(view: View) -> View:
    """Open to anyone, signed in or not (the sign-in page, static files)."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def requires(permission: str) -> Callable[[View], View]:
    """Signed-in users whose role holds `permission`."""
    if permission not in PERMISSIONS:
        raise ValueError(f"{permission!r} is not a permission")

    def mark(view: View) -> View:
        view.access_rule = permission  # type: ignore[attr-defined]
        return view

    return mark


def access_rule(app: Flask, endpoint: str) -> str | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def check_every_view_has_a_rule(app: Flask) -> None:
    """At start-up: a view nobody gave a rule would be refused to everyone; say so early."""
    missing = sorted(
        endpoint for endpoint in app.view_functions
        if endpoint != "static" and access_rule(app, endpoint) is None
    )
    if missing:
        raise RuntimeError(f"These views have no access rule: {', '.join(missing)}")


def _now() -> float:
    return datetime.now(timezone.utc).timestamp()


def _session_expired() -> bool:
    """Idle for longer than IDLE_TIMEOUT_MINUTES, or signed in longer than SESSION_MAX_HOURS."""
    now = _now()
    seen = session.get("seen", 0.0)
    started = session.get("started", 0.0)
    idle = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
    longest = current_app.config["SESSION_MAX_HOURS"] * 3600
    return now - seen > idle or now - started > longest


def _to_sign_in() -> Any:
    # Only a page can be returned to after signing in; a form post cannot be replayed.
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.login"))


def enforce_access() -> Any:
    """before_request: sign-in, session expiry and the view's permission."""
    # Who is signed in is read afresh for every request: `g` belongs to the app context, which
    # can outlive a request (tests, CLI-driven requests), and a cached user would skip the
    # session-token check that ends revoked sessions.
    g.pop("_login_user", None)
    if request.endpoint is None:  # no such page: let the 404 (or 405) through
        return None
    if request.endpoint == "static":
        return None
    rule = access_rule(current_app, request.endpoint)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return _to_sign_in()
    if _session_expired():
        logout_user()
        session.clear()
        flash("You were signed out after a period of inactivity. Sign in again to continue.")
        return _to_sign_in()
    session["seen"] = _now()
    if rule is None or not current_user.can(rule):
        abort(403)
    return None


def mark_session_started() -> None:
    session["started"] = session["seen"] = _now()
