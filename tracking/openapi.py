"""The OpenAPI 3.1 document at /openapi.json. Request schemas come from tracking.schemas; a test
keeps the paths equal to the app's routes."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from flask import Blueprint, current_app, jsonify

from tracking.schemas import SCHEMAS

bp = Blueprint("openapi", __name__)

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}

SHIPMENT = {
    "type": "object",
    "properties": {
        "item_id": {"type": "string", "pattern": "^[A-Z]{2}\\d{9}[A-Z]{2}$"},
        "direction": {"enum": ["inbound", "outbound"]},
        "courier": {"type": "string"},
        "status": {"type": "string"},
        "status_label": {"type": "string"},
        "dossier_code": {"type": "string"},
        "label_url": {"type": "string", "format": "uri"},
        "tracking_url": {"type": "string", "format": "uri"},
        "created_at": {"type": "string", "format": "date-time"},
        "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
    },
}

TIMELINE_ENTRY = {
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "label": {"type": "string"},
        "occurred_at": {"type": "string", "format": "date-time"},
        "location": {"type": ["string", "null"]},
        "item_id": {"type": "string"},
        "direction": {"type": "string"},
        "source": {"type": "string"},
        "flagged": {"type": "boolean"},
    },
}

TIME = {"type": ["string", "null"], "format": "date-time"}
DOSSIER = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "status": {"type": "string"},
        "status_label": {"type": "string"},
        "service": {"enum": ["send_dossier", "receive_result", "both"]},
        "procedure": {"type": ["object", "null"]},
        "processing_days": {"type": "number"},
        "applicant": {"type": "object"},
        "commune": {"type": ["object", "null"]},
        "courier": {"type": ["string", "null"]},
        "submitted_at": TIME,
        "received_at": TIME,
        "due_at": TIME,
        "delivered_by": TIME,
        "estimate": {"type": "object"},
        "shipments": {"type": "array", "items": {"$ref": "#/components/schemas/Shipment"}},
        "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
        "created_at": TIME,
    },
}


def json_ref(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": "#/components/responses/Error"} for c in codes}


def op(
    summary: str,
    ok: int,
    schema: str | None,
    *,
    body: str | None = None,
    errors: tuple[int, ...] = (401, 403, 404),
    roles: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"summary": summary, "responses": {}}
    if roles:
        spec["description"] = f"Roles: {roles}."
        spec["security"] = [{"bearer": []}]
    else:
        spec["security"] = []
    if body:
        spec["requestBody"] = {"required": True, "content": json_ref(body)}
    spec["responses"][str(ok)] = {
        "description": "OK",
        **({"content": json_ref(schema)} if schema else {}),
    }
    spec["responses"].update(_errors(*errors))
    if extra:
        spec["responses"].update(extra)
    return spec


# Paths of the app itself; each blueprint module adds its own through ``OPENAPI`` (paths) and
# ``OPENAPI_SCHEMAS`` (pydantic models or JSON Schemas), collected from the registered blueprints.
PATHS: dict[str, dict[str, Any]] = {
    "/healthz": {"get": op("Health: the database answers", 200, "Health", errors=())},
    "/openapi.json": {"get": op("This document", 200, None, errors=())},
}


def _path_params(path: str) -> list[dict[str, Any]]:
    names = [p[1:-1] for p in path.split("/") if p.startswith("{")]
    return [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]


def document(server_url: str, modules: list[ModuleType] | None = None) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Error": ERROR,
        "Dossier": DOSSIER,
        "Shipment": SHIPMENT,
        "TimelineEntry": TIMELINE_ENTRY,
        "Health": {"type": "object", "properties": {"status": {"const": "ok"}}},
    }
    all_paths = dict(PATHS)
    models: dict[str, Any] = dict(SCHEMAS)
    for mod in modules or []:
        all_paths.update(getattr(mod, "OPENAPI", {}))
        models.update(getattr(mod, "OPENAPI_SCHEMAS", {}))
    for name, model in models.items():
        if isinstance(model, dict):  # a JSON Schema as it is
            schemas[name] = model
            continue
        sch = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(sch.pop("$defs", {}))
        schemas[name] = sch
    paths = {}
    for path, ops in sorted(all_paths.items()):
        params = _path_params(path)
        paths[path] = {
            m: ({**o, "parameters": [*params, *o.get("parameters", [])]} if params else o)
            for m, o in ops.items()
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bưu chính công ích – Hồ sơ TTHC",
            "version": "1.0.0",
            "description": "Dossiers and results carried by post between citizens and the "
            "Public Administration Service Center. Errors: "
            '{"error": {"code", "message", "field"?}}. Times: ISO 8601; without an offset '
            "they are read in Asia/Ho_Chi_Minh.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {"Error": {"description": "Error", "content": json_ref("Error")}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def blueprint_modules() -> list[ModuleType]:
    names = dict.fromkeys(b.import_name for b in current_app.blueprints.values())
    return [sys.modules[n] for n in names if n in sys.modules]


@bp.get("/openapi.json")
def openapijson_ref() -> Any:
    return jsonify(document(current_app.config["PUBLIC_BASE_URL"], blueprint_modules()))
