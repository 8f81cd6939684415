"""The OpenAPI description says every answer the API really gives, errors included.

django-ninja documents only the success responses each router declares. The error answers come
from one place (``config/api.py``'s handlers and ``core/middleware.py``), so they are declared
here, in one pass over the generated document, by what each operation can meet:

| status | declared on | raised by |
|---|---|---|
| 400 | every operation | malformed JSON or multipart, an invalid Content-Length, a missing Idempotency-Key |
| 401 | every operation | not signed in; an unknown/revoked/expired bearer token (also on public endpoints) |
| 403 | operations that need a user | a failed CSRF check, a refused permission |
| 404 | operations with path parameters or a body | unknown objects (in the path, or by id in the body) — and anything that is not yours |
| 409 | POST/PUT/PATCH/DELETE | a rule refused the state change (``DomainError``) |
| 413, 415 | operations with a request body | body over the size limit; neither JSON nor multipart |
| 422 | operations with parameters or a body | field values, unknown keys, wrong types |
| 429 | as the router declares it | the waiting room (with ``Retry-After``) |
| 500, 503 | every operation | a server fault; 503 when it is transient (``retryable``, ``Retry-After``) |

405 is not declared per operation: it answers methods that the path does not have, which are
therefore not operations of the document (the answer has the same error shape and an ``Allow``
header).

Authentication is declared as two schemes: a bearer token (``Authorization: Bearer mdg_…``) and
the browser session cookie (with ``X-CSRFToken`` on unsafe methods).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

ERROR_SCHEMA_NAME = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}

ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "description": "Every error answer of the API has this shape (docs/api.md, “Errors”).",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "machine-readable, e.g. invalid, not_found"},
                "message": {"type": "string", "minLength": 1, "description": "plain Japanese"},
                "fields": {
                    "type": "object",
                    "description": "per-field messages, keyed by the field's key",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "retryable": {
                    "type": "boolean",
                    "description": "server errors: true when the same request may succeed later",
                },
                "retry_after": {"type": "integer", "description": "seconds to wait (also Retry-After)"},
                "queue_position": {"type": "integer", "description": "the waiting room's queue"},
            },
        }
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (`madoguchi api_token create EMAIL`), e.g. `mdg_…`.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "The browser session; unsafe methods also need the CSRF token in `X-CSRFToken`.",
    },
}
SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]

RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}
}

DESCRIPTIONS = {
    "400": "Malformed request (JSON or multipart body, Content-Length, a required header)",
    "401": "Not signed in, or an unknown, revoked or expired token",
    "403": "CSRF check failed, or the action is not permitted",
    "404": "Not found — or not yours",
    "409": "A rule refused the state change",
    "413": "Request body too large",
    "415": "Unsupported Content-Type (send JSON, or multipart/form-data for files)",
    "422": "Invalid input, with messages per field",
    "429": "Too many requests; try again after Retry-After seconds",
    "500": "Server error (`retryable`: false)",
    "503": "Temporarily unavailable (`retryable`: true); try again after Retry-After seconds",
}
_UNSAFE = {"post", "put", "patch", "delete"}
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _error_response(status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS.get(status, "Error"),
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if status in ("429", "503"):
        response["headers"] = deepcopy(RETRY_AFTER_HEADER)
    return response


def error_statuses(method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation can answer (see the table above)."""
    parameters = operation.get("parameters") or []
    has_body = "requestBody" in operation
    statuses = ["400", "401"]
    if operation.get("security"):
        statuses.append("403")
    if has_body or any(p.get("in") == "path" for p in parameters):
        statuses.append("404")  # objects named in the path or by id in the body
    if method in _UNSAFE:
        statuses.append("409")
    if has_body:
        statuses += ["413", "415"]
    if parameters or has_body:
        statuses.append("422")
    statuses += ["500", "503"]
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error schema, the security schemes and every operation's error responses."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})[ERROR_SCHEMA_NAME] = deepcopy(ERROR_SCHEMA)
    components["securitySchemes"] = deepcopy(SECURITY_SCHEMES)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            if operation.get("security"):
                operation["security"] = deepcopy(SECURITY)
            responses = {str(status): answer for status, answer in operation.get("responses", {}).items()}
            declared_errors = {status for status in responses if status[:1] in ("4", "5")}
            for status in sorted(declared_errors | set(error_statuses(method, operation))):
                responses[status] = _error_response(status)
            operation["responses"] = dict(sorted(responses.items()))
    return schema
