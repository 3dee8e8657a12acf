"""/healthz and /readyz for a load balancer: unauthenticated, cheap, and saying nothing but
whether the app is up and ready (no versions, paths or error messages). Neither sets a cookie,
and neither writes an audit event: they change nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.blueprints import BlueprintSetupState

from app.auth.access import public
from app.health import bp, services


@bp.record_once
def _remember_heads(state: BlueprintSetupState) -> None:
    services.remember_heads(state.app)


@bp.get("/healthz")
@public
def healthz() -> Any:
    """The process is up and serving; the database is not touched."""
    return Response("ok", status=200, mimetype="text/plain")


@bp.get("/readyz")
@public
def readyz() -> Any:
    """Ready for traffic: the database answers, migrations are current, storage is writable."""
    failing = services.failing_checks()
    if failing:
        response = jsonify(status="not ready", failing=failing)
        response.status_code = 503
        return response
    return jsonify(status="ready")
