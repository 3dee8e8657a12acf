"""The OpenAPI document matches the API: it describes every route, and the real responses of
every endpoint (successes and errors) validate against its schemas, resolved through their
$refs with a referencing Registry. A response of the wrong shape is rejected, so the check can
fail."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.api.openapi import document
from tests.support import department

DOCUMENT_ID = "urn:quality-ledger:openapi"

# One real request per documented path (the demo's codes), and the error requests each answers.
SAMPLES: dict[str, dict[str, list[str]]] = {
    "/api/v1/trusts": {"200": ["/api/v1/trusts", "/api/v1/trusts?per_page=1&page=1"], "400": ["/api/v1/trusts?per_page=500"]},
    "/api/v1/trusts/{trust_code}": {"200": ["/api/v1/trusts/R1H"], "404": ["/api/v1/trusts/NOPE"]},
    "/api/v1/trusts/{trust_code}/grid": {"200": ["/api/v1/trusts/R1H/grid", "/api/v1/trusts/R1H/grid?as_of=2016-06-01"],
                                          "400": ["/api/v1/trusts/R1H/grid?as_of=yesterday"],
                                          "404": ["/api/v1/trusts/NOPE/grid"]},
    "/api/v1/hospitals": {"200": ["/api/v1/hospitals?trust=R1H"], "400": ["/api/v1/hospitals?trust=NOPE"]},
    "/api/v1/hospitals/{code}": {"200": ["/api/v1/hospitals/R1HKH"], "404": ["/api/v1/hospitals/NOPE1"]},
    "/api/v1/hospitals/{code}/grid": {
        "200": ["/api/v1/hospitals/R1HKH/grid", "/api/v1/hospitals/R1HKH/grid?as_of=2016-06-01",
                "/api/v1/hospitals/R1HKH/grid?internal=1"],
        "400": ["/api/v1/hospitals/R1HKH/grid?as_of=2016-02-30"], "404": ["/api/v1/hospitals/NOPE1/grid"]},
    "/api/v1/departments": {"200": ["/api/v1/departments?per_page=100"], "400": ["/api/v1/departments?hospital=NOPE1"]},
    "/api/v1/inspections": {"200": ["/api/v1/inspections?per_page=100&archived=1"],
                            "400": ["/api/v1/inspections?type=surprise"]},
    "/api/v1/inspections/{inspection_id}": {"200": ["/api/v1/inspections/{first_inspection}", "/api/v1/inspections/{last_inspection}"],
                                            "404": ["/api/v1/inspections/999999"]},
    "/api/v1/findings": {"200": ["/api/v1/findings?per_page=100&archived=1"], "400": ["/api/v1/findings?kind=x"]},
    "/api/v1/actions": {"200": ["/api/v1/actions?per_page=100&archived=1", "/api/v1/actions?mine=1"],
                        "400": ["/api/v1/actions?sort=x"], "403": ["/api/v1/actions?mine=1"]},
    "/api/v1/actions/{action_id}": {"200": ["/api/v1/actions/{first_action}", "/api/v1/actions/{last_action}"],
                                    "404": ["/api/v1/actions/999999"]},
    "/api/v1/audit-events": {"200": ["/api/v1/audit-events?per_page=100", "/api/v1/audit-events?user=system&kind=actions"],
                             "400": ["/api/v1/audit-events?action=delete"], "403": ["/api/v1/audit-events"]},
    "/api/v1/openapi.json": {"200": ["/api/v1/openapi.json"]},
}
# Read as the quality team; everything else as a department lead. 403 samples are the viewer's.
QUALITY_ONLY_PATHS = {"/api/v1/audit-events"}


def registry_of(doc: dict[str, Any]) -> Registry:
    return Registry().with_resource(DOCUMENT_ID, Resource.from_contents(doc, default_specification=DRAFT202012))


def validator_for(doc: dict[str, Any], path: str, status: str) -> Draft202012Validator:
    """The response schema of GET `path` with `status`, as a validator that follows $refs."""
    assert status in doc["paths"][path]["get"]["responses"], f"{path} documents no {status} response"
    pointer = "/".join(["#", "paths", path.replace("~", "~0").replace("/", "~1"), "get", "responses", status,
                        "content", "application~1json", "schema"])
    return Draft202012Validator({"$ref": DOCUMENT_ID + pointer}, registry=registry_of(doc),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _documented(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_the_document_describes_exactly_the_apis_routes_and_its_schemas_are_valid(app, client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    doc = served.get_json()
    assert doc == document() and doc["openapi"].startswith("3.1")
    routes = {_documented(r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert routes == set(doc["paths"]) == set(SAMPLES)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": doc["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"]}
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    # Every $ref resolves, and every path parameter in a path is declared.
    resolver = registry_of(doc).resolver()
    for ref in set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))):
        resolver.lookup(DOCUMENT_ID + ref)
    for path, item in doc["paths"].items():
        declared = {p["name"] for p in item["get"].get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path
        if path != "/api/v1/openapi.json":
            assert {"200", "400", "401", "403"} <= set(item["get"]["responses"]), path


@pytest.fixture
def sample_ids(demo) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from app.actions.models import Action
    from app.extensions import db
    from app.inspections.models import Inspection

    ids = {
        "first_inspection": db.session.scalar(select(func.min(Inspection.id))),
        "last_inspection": db.session.scalar(select(func.max(Inspection.id))),
        "first_action": db.session.scalar(select(func.min(Action.id))),
        "last_action": db.session.scalar(select(func.max(Action.id))),
    }
    db.session.rollback()
    return ids


def test_every_endpoints_real_responses_validate_against_the_document(app, sample_ids, api_as):
    doc = document()
    lead = api_as("lead", departments=[department("R1HKH", "urgent")])
    quality = api_as("quality")
    viewer = api_as("viewer")
    anonymous = app.test_client()
    checked = 0
    for path, by_status in SAMPLES.items():
        for status, urls in by_status.items():
            validator = validator_for(doc, path, status)
            for url in urls:
                url = url.format(**sample_ids)
                reader = quality if path in QUALITY_ONLY_PATHS else lead
                response = (viewer if status == "403" else reader).get(url)
                assert response.status_code == int(status), (url, response.get_data(as_text=True)[:300])
                errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.path))
                assert not errors, f"{url}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
                checked += 1
        if path != "/api/v1/openapi.json":
            url = by_status["200"][0].format(**sample_ids)
            unauthorised = anonymous.get(url)
            assert unauthorised.status_code == 401
            validator_for(doc, path, "401").validate(unauthorised.get_json())
            checked += 1
    assert checked >= 40


def test_a_response_of_the_wrong_shape_is_rejected(demo, viewer_api):
    doc = document()
    grid = viewer_api.json("/api/v1/hospitals/R1HKH/grid?as_of=2016-06-01")
    page = viewer_api.json("/api/v1/actions?per_page=2")
    grid_schema = validator_for(doc, "/api/v1/hospitals/{code}/grid", "200")
    page_schema = validator_for(doc, "/api/v1/actions", "200")
    grid_schema.validate(grid)
    page_schema.validate(page)
    wrong: list[tuple[Draft202012Validator, Any]] = [
        (grid_schema, {**grid, "cells": [{**grid["cells"][0], "rating": "Great"}]}),
        (grid_schema, {**grid, "cells": [{**grid["cells"][0], "key_question": "safe"}]}),
        (grid_schema, {**grid, "cells": [{**grid["cells"][0], "date": "17/03/2015"}]}),
        (grid_schema, {**grid, "official": True}),
        (grid_schema, {k: v for k, v in grid.items() if k != "as_of"}),
        (page_schema, {**page, "total": "2"}),
        (page_schema, {**page, "per_page": 1000}),
        (page_schema, {**page, "items": [{**page["items"][0], "secret": 1}]}),
        (page_schema, {**page, "items": [{**page["items"][0], "status": "done"}]}),
        (page_schema, {k: v for k, v in page.items() if k != "next"}),
    ]
    for validator, instance in wrong:
        with pytest.raises(ValidationError):
            validator.validate(instance)
