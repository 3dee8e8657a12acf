"""The OpenAPI document, open to anyone: it describes the API and holds no data."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.openapi import document
from app.auth.access import public


@bp.get("/api/v1/openapi.json")
@public
def openapi_document():
    return jsonify(document())
