"""The OpenAPI 3.1 document of the read API, built as plain data and served at
/api/v1/openapi.json. Objects are closed (additionalProperties: false), so a field the code
sends but the document does not describe fails tests/api/test_openapi.py, which validates the
real responses of every endpoint against this document."""

from __future__ import annotations

from typing import Any

from app.actions.queries import SORTS
from app.api.params import DEFAULT_PER_PAGE, MAX_PER_PAGE
from app.audit.models import AUDIT_ACTIONS
from app.domain import inspections as vocab
from app.domain.actions import PRIORITIES, STATUSES
from app.domain.ratings import ALL_VALUES, GRID_COLUMNS, KEY_QUESTIONS
from app.domain.regulations import REGULATIONS

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
LINK = {"type": "string", "format": "uri-reference"}


def _page(item: str) -> dict[str, Any]:
    return _object({
        "items": {"type": "array", "items": _ref(item)},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "total": {"type": "integer", "minimum": 0},
        "next": {**_nullable(LINK), "description": "The next page's address, or null on the last page."},
    }, f"One page of {item} records.")


GRID_CELL_FIELDS = {
    "key_question": {"enum": list(GRID_COLUMNS)},
    "rating": {"enum": list(ALL_VALUES)},
    "date": {**DATE, "description": "Publication date of the report that gave the cell."},
}

SCHEMAS: dict[str, Any] = {
    "Error": _object({
        "status": INTEGER,
        "message": STRING,
        "errors": {"type": "object", "additionalProperties": STRING,
                   "description": "Each bad query parameter with its problem."},
    }, "Why a request was refused."),
    "Trust": _object({"code": STRING, "name": STRING, "formed_on": _nullable(DATE), "url": LINK}),
    "Hospital": _object({
        "code": STRING, "name": STRING, "trust": STRING, "town": _nullable(STRING),
        "kind": {"enum": ["hospital", "other"]}, "registration_status": _nullable(STRING), "url": LINK,
    }),
    "Department": _object({
        "code": STRING, "name": STRING, "hospital": STRING,
        "service": {**STRING, "description": "The CQC service id, such as urgent or npimaternity."},
        "retired_on": _nullable(DATE),
        "successors": {"type": "array", "items": STRING,
                       "description": "Codes of the departments that replaced this one (renamed services)."},
    }),
    "Grid": {
        "type": "object",
        "description": "A hospital's grid as of a date, as `flask grid CODE --json` prints it: "
                       "per cell the latest published rating on or before as_of.",
        "properties": {
            "hospital": STRING,
            "as_of": DATE,
            "cells": {"type": "array", "items": _object({
                "service": {**_nullable(STRING), "description": "CQC service id; null for the hospital's own row."},
                **GRID_CELL_FIELDS,
            })},
            "official": {"const": False, "description": "Present (false) only on an internal grid."},
            "inspection_id": {**INTEGER, "description": "Present only on an internal grid: its inspection."},
        },
        "required": ["hospital", "as_of", "cells"],
        "additionalProperties": False,
    },
    "TrustGrid": _object({
        "trust": STRING,
        "as_of": DATE,
        "cells": {"type": "array", "items": _object({
            "hospital": {**_nullable(STRING), "description": "Hospital code; null for the trust's own row."},
            **GRID_CELL_FIELDS,
        })},
    }, "A trust's grid: each hospital's own row and the trust's row."),
    "Inspection": _object({
        "id": INTEGER, "trust": STRING, "hospital": _nullable(STRING),
        "source": {"enum": list(vocab.SOURCES)}, "official": BOOLEAN,
        "type": {"enum": list(vocab.INSPECTION_TYPES)}, "notice": {"enum": list(vocab.NOTICE)},
        "status": {"enum": list(vocab.STATUSES)},
        "visit_start": _nullable(DATE), "visit_end": _nullable(DATE), "published_on": _nullable(DATE),
        "report_ref": _nullable(STRING), "report_url": _nullable(STRING),
        "illustrative": BOOLEAN, "archived": BOOLEAN, "url": LINK,
    }),
    "Finding": _object({
        "id": INTEGER, "inspection_id": INTEGER, "hospital": _nullable(STRING),
        "department": _nullable(STRING), "kind": {"enum": list(vocab.FINDING_KINDS)},
        "key_question": _nullable({"enum": list(KEY_QUESTIONS)}),
        "regulation": _nullable({"enum": list(REGULATIONS)}),
        "text": STRING, "illustrative": BOOLEAN, "archived": BOOLEAN,
        "action_ids": {"type": "array", "items": INTEGER,
                       "description": "Actions (not archived) that answer the finding."},
    }),
    "RatingCell": _object({
        "scope": {"enum": list(vocab.SCOPES)}, "hospital": _nullable(STRING),
        "department": _nullable(STRING), "service": _nullable(STRING),
        "key_question": {"enum": list(GRID_COLUMNS)}, "rating": {"enum": list(ALL_VALUES)},
        "illustrative": BOOLEAN,
    }, "One cell an inspection gave."),
    "Person": _object({"name": STRING, "email": STRING}),
}

_ACTION_FIELDS: dict[str, Any] = {
    "id": INTEGER, "title": STRING, "status": {"enum": list(STATUSES)},
    "priority": {"enum": list(PRIORITIES)}, "due_on": DATE, "original_due_on": DATE,
    "completed_on": _nullable(DATE), "verified_on": _nullable(DATE),
    "hospital": STRING, "department": _nullable(STRING), "owner": _ref("Person"),
    "overdue": {**BOOLEAN, "description": "Not finished and due before today (worked out, never stored)."},
    "days_late": {"type": "integer", "minimum": 0}, "must_do": BOOLEAN, "archived": BOOLEAN, "url": LINK,
}

SCHEMAS |= {
    "TrustDetail": _object({**SCHEMAS["Trust"]["properties"], "hospitals": {"type": "array", "items": _ref("Hospital")},
                            "grid_url": LINK}),
    "HospitalDetail": _object({**SCHEMAS["Hospital"]["properties"],
                               "departments": {"type": "array", "items": _ref("Department")}, "grid_url": LINK}),
    "InspectionDetail": _object({**SCHEMAS["Inspection"]["properties"], "summary": _nullable(STRING),
                                 "cells": {"type": "array", "items": _ref("RatingCell")},
                                 "findings": {"type": "array", "items": _ref("Finding")}}),
    "Action": _object(_ACTION_FIELDS),
    "ActionUpdate": _object({
        "at": DATE_TIME, "author": STRING, "text": STRING,
        "status_from": _nullable({"enum": list(STATUSES)}), "status_to": _nullable({"enum": list(STATUSES)}),
        "percent_complete": _nullable(INTEGER), "new_due_on": _nullable(DATE), "due_change_reason": _nullable(STRING),
    }),
}
SCHEMAS["AuditEvent"] = _object({
    "id": INTEGER, "occurred_at": DATE_TIME,
    "user": {**_nullable(_ref("Person")), "description": "Who made the change; null for the system (imports, commands)."},
    "action": {"enum": list(AUDIT_ACTIONS)}, "record_kind": {**STRING, "description": "The record's table, e.g. actions."},
    "record_id": INTEGER,
    "changes": {"type": "array", "items": _object({
        "field": STRING, "before": _nullable(STRING), "after": _nullable(STRING),
    }), "description": "Each changed field, before and after as text (secrets redacted)."},
}, "One change to one record.")
SCHEMAS["ActionDetail"] = _object({
    **_ACTION_FIELDS, "description": STRING, "cancel_reason": _nullable(STRING),
    "finding_ids": {"type": "array", "items": INTEGER},
    "updates": {"type": "array", "items": _ref("ActionUpdate")},
})
for _name in ("Trust", "Hospital", "Department", "Inspection", "Finding", "Action", "AuditEvent"):
    SCHEMAS[f"{_name}Page"] = _page(_name)


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _path(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema or STRING}


PAGING = [
    _query("page", "The page, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    _query("per_page", f"Records per page, at most {MAX_PER_PAGE}.",
           {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}),
]
AS_OF = _query("as_of", "The date to read the grid on (YYYY-MM-DD); today when left out.", DATE)
FLAG = {"type": "string", "enum": ["1", "0", "true", "false", "yes", "no"]}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


ERRORS = {
    "400": _error("A query parameter is unknown or wrong: `errors` names it and the problem."),
    "401": {
        **_error("No token, or a token that is unknown, revoked or expired, or whose user is deactivated. "
                 "Browser sessions are not accepted."),
        "headers": {"WWW-Authenticate": {"description": "Bearer challenge", "schema": STRING}},
    },
    "403": _error("The token's user's role does not allow this."),
}
NOT_FOUND = {"404": _error("No such record.")}


def _get(summary: str, schema: str, parameters: list[dict[str, Any]], operation_id: str,
         *, found: bool = False, description: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}},
            **ERRORS,
            **(NOT_FOUND if found else {}),
        },
    }
    if description:
        operation["description"] = description
    return {"get": operation}


def _choice(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": ["", *values]}


PATHS: dict[str, Any] = {
    "/api/v1/trusts": _get("List trusts", "TrustPage", PAGING, "listTrusts"),
    "/api/v1/trusts/{trust_code}": _get(
        "A trust with its hospitals", "TrustDetail", [_path("trust_code", "The trust's ODS code, e.g. R1H.")],
        "getTrust", found=True),
    "/api/v1/trusts/{trust_code}/grid": _get(
        "A trust's ratings grid as of a date", "TrustGrid",
        [_path("trust_code", "The trust's ODS code."), AS_OF], "getTrustGrid", found=True),
    "/api/v1/hospitals": _get("List hospitals", "HospitalPage", [
        *PAGING, _query("trust", "Only this trust's hospitals (ODS code).", STRING)], "listHospitals"),
    "/api/v1/hospitals/{code}": _get(
        "A hospital with its departments", "HospitalDetail", [_path("code", "The hospital's ODS / CQC location code.")],
        "getHospital", found=True),
    "/api/v1/hospitals/{code}/grid": _get(
        "A hospital's ratings grid as of a date", "Grid",
        [_path("code", "The hospital's code."), AS_OF,
         _query("internal", "1: the latest internal (mock or peer-review) inspection's grid instead.", FLAG)],
        "getHospitalGrid", found=True,
        description="The official grid: per cell the latest published rating on or before as_of, "
                    "the same as `flask grid CODE --as-of DATE --json`."),
    "/api/v1/departments": _get("List departments", "DepartmentPage", [
        *PAGING, _query("hospital", "Only this hospital's departments (code).", STRING)], "listDepartments"),
    "/api/v1/inspections": _get("List inspections, newest first (drafts on top)", "InspectionPage", [
        *PAGING,
        _query("hospital", "Hospital code.", STRING),
        _query("source", "Official CQC or internal (mock and peer review).", _choice(["official", "internal"])),
        _query("type", "Inspection type.", _choice(vocab.INSPECTION_TYPES)),
        _query("published_from", "Published on or after (YYYY-MM-DD).", DATE),
        _query("published_to", "Published on or before (YYYY-MM-DD).", DATE),
        _query("archived", "1: include archived inspections.", FLAG),
    ], "listInspections"),
    "/api/v1/inspections/{inspection_id}": _get(
        "An inspection with its cells and findings", "InspectionDetail",
        [_path("inspection_id", "The inspection's number.", INTEGER)], "getInspection", found=True),
    "/api/v1/findings": _get("List findings, newest report first", "FindingPage", [
        *PAGING,
        _query("hospital", "Hospital code.", STRING),
        _query("department", "Department code.", STRING),
        _query("inspection", "Inspection number.", INTEGER),
        _query("kind", "Kind of finding.", _choice(vocab.FINDING_KINDS)),
        _query("key_question", "Key question.", _choice(KEY_QUESTIONS)),
        _query("archived", "1: include archived findings and those of archived inspections.", FLAG),
    ], "listFindings"),
    "/api/v1/actions": _get("List actions with the actions board's filters", "ActionPage", [
        *PAGING,
        _query("mine", "1: only My actions (a lead's departments' actions and those the user owns); "
                       "403 for roles without My actions.", FLAG),
        _query("trust", "Trust code.", STRING),
        _query("hospital", "Hospital code.", STRING),
        _query("department", "Department code.", STRING),
        _query("status", "A status, or `unfinished` (open or in progress).", _choice(["unfinished", *STATUSES])),
        _query("owner", "The owner's user number.", STRING),
        _query("due_within", "Not finished and due from today to this many days ahead.",
               {"type": "integer", "minimum": 1, "maximum": 366}),
        _query("overdue", "1: overdue only.", FLAG),
        _query("must_do", "1: only actions answering a must-do finding.", FLAG),
        _query("archived", "1: include archived actions.", FLAG),
        _query("sort", "Sort order.", {"type": "string", "enum": list(SORTS), "default": "overdue"}),
    ], "listActions"),
    "/api/v1/actions/{action_id}": _get(
        "An action with its findings and progress updates", "ActionDetail",
        [_path("action_id", "The action's number.", INTEGER)], "getAction", found=True),
    "/api/v1/audit-events": _get("The audit trail, newest first (administrators and the quality team)", "AuditEventPage", [
        *PAGING,
        _query("user", "A user's number, or `system` for changes no signed-in user made.", STRING),
        _query("kind", "A record kind (its table name, e.g. actions).", STRING),
        _query("action", "What was done.", _choice(AUDIT_ACTIONS)),
        _query("date_from", "From this UTC day (YYYY-MM-DD).", DATE),
        _query("date_to", "To this UTC day, included (YYYY-MM-DD).", DATE),
    ], "listAuditEvents", description="Only for tokens whose user's role may read the audit log "
                                      "(view_audit: administrators and the quality team); others get 403."),
    "/api/v1/openapi.json": {"get": {
        "operationId": "getOpenApiDocument",
        "summary": "This document",
        "security": [],
        "responses": {"200": {"description": "The OpenAPI document", "content": {"application/json": {
            "schema": {"type": "object", "required": ["openapi", "paths"]}}}}},
    }},
}


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Quality Ledger read API",
            "version": VERSION,
            "description": (
                "Read-only JSON for trusts, hospitals, departments, ratings grids (as of any date), "
                "inspections, findings and improvement actions. Every request needs a per-user API "
                "token (`Authorization: Bearer ql_...`), issued by an administrator under API tokens; "
                "a token reads what its user's role may read, as the role is at the time of the "
                "request. Lists are paginated: `page`, `per_page` (at most "
                f"{MAX_PER_PAGE}), and `next` links to the following page. Errors are JSON "
                "(`Error`): 400 names the bad parameter, 401 says why the token was refused."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "ql_ followed by 43 URL-safe characters",
            }},
        },
    }
