"""The OpenAPI 3.1 document, generated from the same pydantic models that validate requests."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .core import PUBLIC, Api

_PARAM = re.compile(r"<(?:(int|string|path):)?([a-z_]+)>")
ERROR_SCHEMA = {
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


def build(api: Api, title: str, version: str) -> dict[str, Any]:
    """Assemble paths, parameters, bodies, responses and security schemes."""
    models: list[tuple[type[BaseModel], Any]] = []
    for op in api.operations:
        for m, mode in (
            (op.body, "validation"),
            (op.query, "validation"),
            (op.response, "serialization"),
        ):
            if m is not None and (m, mode) not in models:
                models.append((m, mode))
    keys, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, Any] = {}
    for op in api.operations:
        oa_path = "/api/v1" + _PARAM.sub(r"{\2}", op.path)
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer"} if kind == "int" else {"type": "string"},
            }
            for kind, name in _PARAM.findall(op.path)
        ]
        if op.query is not None:
            qschema = op.query.model_json_schema()
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                params.append(
                    {"name": name, "in": "query", "required": name in required, "schema": prop}
                )
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": op.summary or "OK"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": keys[(op.response, "serialization")]}}
        else:
            ok["content"] = {"application/json": {"schema": {"type": "object"}}}
        responses[str(op.status)] = ok
        err = {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        codes = set(op.errors)
        if op.auth != PUBLIC:
            codes |= {401, 403}
        if op.body is not None or op.query is not None:
            codes |= {400, 422}
        if params and any(p["in"] == "path" for p in params):
            codes.add(404)
        for c in sorted(codes):
            responses[str(c)] = err
        entry: dict[str, Any] = {
            "operationId": op.func.__name__,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
            "security": [] if op.auth == PUBLIC else [{"bearerAuth": []}],
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": keys[(op.body, "validation")]}},
            }
        paths.setdefault(oa_path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
