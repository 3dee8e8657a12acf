"""Security headers on every response, and the start-up check of production settings."""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# Values that have been seen as SECRET_KEY in the wild; any of them is as good as none.
WEAK_SECRET_KEYS = frozenset(
    {"dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me",
     "test", "password", "your-secret-key", "test-secret-key-not-for-production"}
)
MIN_SECRET_KEY_LENGTH = 32


class InsecureConfiguration(RuntimeError):
    """Raised at start-up, with what to set, when production settings are unsafe."""


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages show clinical-governance records: never keep them in a shared cache (ASVS 8.2.1).
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def add_hsts(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def production_problems(config: dict) -> list[str]:  # type: ignore[type-arg]
    """What is unsafe about these settings for production, each with what to set."""
    problems = []
    key = str(config.get("SECRET_KEY") or "")
    if not key or config.get("SECRET_KEY_SOURCE") == "generated":
        problems.append(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment to a random value of at "
            "least 32 characters, for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in WEAK_SECRET_KEYS or len(set(key)) < 10:
        problems.append(
            f"SECRET_KEY is weak. Set it to a random value of at least {MIN_SECRET_KEY_LENGTH} "
            "characters, for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append(
            "SESSION_COOKIE_SECURE is off, so the session cookie would travel over plain HTTP. "
            "Serve the app over HTTPS and remove SESSION_COOKIE_SECURE=0 from the environment."
        )
    if not config.get("SESSION_COOKIE_HTTPONLY"):
        problems.append("SESSION_COOKIE_HTTPONLY is off. Set it to True.")
    if config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        problems.append("SESSION_COOKIE_SAMESITE must be 'Lax' or 'Strict'.")
    if config.get("WTF_CSRF_ENABLED") is False:
        problems.append("WTF_CSRF_ENABLED is off. Remove it: every form needs its CSRF token.")
    return problems


def refuse_nul_characters() -> None:
    """A NUL character in a query or form value is refused with a 400 before any view sees it:
    no field can hold one, PostgreSQL refuses it in text (which would be a 500), and a real
    user never types one."""
    for values in (request.args, request.form):
        if any("\x00" in key or any("\x00" in value for value in given) for key, given in values.lists()):
            abort(400, description=(
                "The request held a NUL character (U+0000), which no field can hold. Nothing was "
                "saved. Go back, remove it from what you entered and try again."
            ))


def register_security(app: Flask) -> None:
    if app.debug and not os.environ.get("SESSION_COOKIE_SECURE"):
        # The development server speaks plain HTTP on 127.0.0.1.
        app.config["SESSION_COOKIE_SECURE"] = False
    if not app.debug and not app.testing:
        problems = production_problems(app.config)
        if problems:
            raise InsecureConfiguration(
                "Quality Ledger will not start with these settings outside development "
                "(FLASK_DEBUG=1 is development):\n- " + "\n- ".join(problems)
            )
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.after_request(add_hsts)
        # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for this
        # host only and for the whole site (ASVS 3.4.4); it needs HTTPS, so not in development.
        if not app.config["SESSION_COOKIE_NAME"].startswith("__Host-"):
            app.config["SESSION_COOKIE_NAME"] = "__Host-" + app.config["SESSION_COOKIE_NAME"]
