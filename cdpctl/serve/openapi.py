"""The OpenAPI 3.1 description of the collector, served at ``GET /openapi.json``."""

from __future__ import annotations

from typing import Any

from cdpctl import __version__

_JSON = "application/json"


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


_ERROR = {"$ref": "#/components/responses/Error"}

_TRACKING_RESPONSES: dict[str, Any] = {
    "200": _json(_ref("Success"), "Accepted: every message was recorded."),
    "400": _json(
        _ref("Error"),
        "Not JSON (one malformed record), not a batch, a bad Content-Encoding, or some messages of a batch do "
        "not parse on their own: those are listed in 'malformed' (recorded as malformed) and the others recorded.",
    ),
    "401": _ERROR,
    "413": _json(
        _ref("Error"),
        "The body is over the --limits (Segment's: 32 KB for one message, 500 KB for a batch), or some messages "
        "of a batch are over the message limit: those are listed in 'rejected' and the others were recorded.",
    ),
    "503": _json(
        _ref("Error"),
        "Retry later (Retry-After): the capture file could not be written, or the forward queue is full. "
        "Nothing of the request was recorded.",
    ),
}


def _tracking(call: str) -> dict[str, Any]:
    batch = call == "batch"
    body_schema = _ref("Batch") if batch else _ref("Message")
    return {
        "post": {
            "tags": ["Segment tracking API"],
            "operationId": f"post_{call}",
            "summary": "A batch of messages" if batch else f"One {call} call",
            "description": (
                "Segment HTTP Tracking API. The write key comes by HTTP basic auth (the key as user name) "
                "or as 'writeKey' in the body. Bodies may be gzip-encoded (Content-Encoding: gzip)."
                + ("" if batch else f" 'type' defaults to '{call}'.")
            ),
            "security": [{"writeKey": []}, {}],
            "parameters": [
                {
                    "name": "Content-Encoding",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "enum": ["gzip", "deflate", "identity"]},
                }
            ],
            "requestBody": {"required": True, "content": {_JSON: {"schema": body_schema}}},
            "responses": _TRACKING_RESPONSES,
        }
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (a fresh dict each call)."""
    paths: dict[str, Any] = {
        f"/v1/{call}": _tracking(call) for call in ("batch", "track", "identify", "page", "screen", "group", "alias")
    }
    paths["/summary"] = {
        "get": {
            "tags": ["Queries"],
            "operationId": "summary",
            "summary": "Counts so far",
            "description": "The summary object of `cdpctl validate --format json`, with a 'collector' object "
            "(requests, rejections, schema controls, forwarding) beside its keys.",
            "responses": {"200": _json(_ref("Summary"), "The summary.")},
        }
    }
    paths["/violations"] = {
        "get": {
            "tags": ["Queries"],
            "operationId": "violations",
            "summary": "Violations so far, grouped",
            "description": "The 'violations' list of `cdpctl validate --format json`.",
            "parameters": [
                {"name": "event", "in": "query", "schema": {"type": "string"}, "description": "Only this event."},
                {"name": "code", "in": "query", "schema": {"type": "string"}, "description": "Only this code."},
            ],
            "responses": {"200": _json({"type": "array", "items": _ref("ViolationGroup")}, "The groups.")},
        }
    }
    paths["/report"] = {
        "get": {
            "tags": ["Queries"],
            "operationId": "report",
            "summary": "The whole validate JSON report",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "summary": _ref("Summary"),
                            "violations": {"type": "array", "items": _ref("ViolationGroup")},
                        },
                    },
                    "Exactly what `cdpctl validate --format json` prints for the same messages.",
                )
            },
        }
    }
    paths["/events"] = {
        "get": {
            "tags": ["Queries"],
            "operationId": "events",
            "summary": "Recent messages with their violations, newest first",
            "parameters": [
                {
                    "name": "event",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Event or page/screen name.",
                },
                {"name": "valid", "in": "query", "schema": {"type": "boolean"}},
                {
                    "name": "code",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Having this violation code.",
                },
                {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "Call type."},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 100}},
            ],
            "responses": {
                "200": _json({"type": "array", "items": _ref("ReceivedMessage")}, "The messages."),
                "400": _ERROR,
            },
        }
    }
    paths["/reset"] = {
        "post": {
            "tags": ["Queries"],
            "operationId": "reset",
            "summary": "Forget counts, examples and recent messages (and so the exit status)",
            "responses": {"200": _json(_ref("Success"), "Reset.")},
        }
    }
    paths["/healthz"] = {
        "get": {
            "tags": ["Queries"],
            "operationId": "healthz",
            "summary": "Liveness",
            "responses": {"200": _json({"type": "object", "properties": {"status": {"const": "ok"}}}, "Running.")},
        }
    }
    paths["/openapi.json"] = {
        "get": {
            "tags": ["Queries"],
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1.")},
        }
    }
    violation = {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "severity": {"enum": ["error", "warning"]},
            "path": {"type": "string"},
            "message": {"type": "string"},
        },
    }
    schemas: dict[str, Any] = {
        "Success": {"type": "object", "properties": {"success": {"const": True}}, "required": ["success"]},
        "Error": {
            "type": "object",
            "properties": {
                "success": {"const": False},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "accepted": {"type": "integer"},
                "rejected": {"type": "array", "items": {"type": "object"}},
                "malformed": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["success", "code", "message"],
        },
        "Message": {
            "type": "object",
            "description": "A Segment Spec message (track, identify, page, screen, group or alias).",
            "properties": {
                "type": {"enum": ["track", "identify", "page", "screen", "group", "alias"]},
                "userId": {"type": ["string", "number"]},
                "anonymousId": {"type": ["string", "number"]},
                "event": {"type": "string"},
                "name": {"type": "string"},
                "properties": {"type": "object"},
                "traits": {"type": "object"},
                "context": {"type": "object"},
                "writeKey": {"type": "string"},
            },
        },
        "Batch": {
            "type": "object",
            "properties": {
                "batch": {"type": "array", "items": _ref("Message")},
                "writeKey": {"type": "string"},
                "sentAt": {"type": "string"},
            },
            "required": ["batch"],
        },
        "Summary": {
            "type": "object",
            "properties": {
                "events": {"type": "integer"},
                "valid": {"type": "integer"},
                "invalid": {"type": "integer"},
                "malformed": {"type": "integer"},
                "warnings": {"type": "integer"},
                "refused": {
                    "type": "integer",
                    "description": "Refused unchecked (400, 401, 413): messages where known, else bodies.",
                },
                "partial": {"type": "boolean"},
                "collector": {"type": "object"},
            },
            "required": ["events", "valid", "invalid", "malformed", "warnings", "refused"],
        },
        "ViolationGroup": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "severity": {"enum": ["error", "warning"]},
                "type": {"type": ["string", "null"]},
                "event": {"type": ["string", "null"]},
                "path": {"type": "string"},
                "count": {"type": "integer"},
                "message": {"type": "string"},
                "examples": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"file": {"type": "string"}, "line": {"type": "integer"}},
                    },
                },
            },
        },
        "ReceivedMessage": {
            "type": "object",
            "properties": {
                "file": {"type": "string"},
                "line": {"type": "integer"},
                "receivedAt": {"type": "string"},
                "valid": {"type": "boolean"},
                "type": {"type": ["string", "null"]},
                "event": {"type": ["string", "null"]},
                "message": {},
                "error": {"type": ["string", "null"]},
                "violations": {"type": "array", "items": violation},
                "forward": {"type": ["string", "null"]},
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cdpctl serve",
            "version": __version__,
            "description": "A local Segment-compatible collector that validates every message against the "
            "tracking plan. Point an SDK's host at it; query what it saw. When it runs with --write-key, "
            "the tracking endpoints and the queries (all but /healthz and /openapi.json) need that key "
            "(HTTP basic auth, the key as user name).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {"Error": _json(_ref("Error"), "A Segment-style JSON error.")},
            "securitySchemes": {
                "writeKey": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The write key as user name, empty password.",
                }
            },
        },
    }
