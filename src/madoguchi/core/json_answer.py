"""The JSON answer of a hot API endpoint, written as django-ninja writes it.

An operation that returns a dict or a schema instance goes through ninja's response handling:
the value wrapped and dumped by pydantic (``model_dump``), then rendered into a second response
object. For the two requests of a complete API submission (draft create and submit) that was
≈ 2.5 % of the web process's instructions (docs/performance.md, "Issue 19, eighth session"),
for an answer whose values are already the database's, typed as the response schema says.
``json_answer`` renders them as ninja's default renderer does (``JSONRenderer``: ``json.dumps``
with ``NinjaJSONEncoder``, ``application/json; charset=utf-8``), and ninja passes the response on
as it is. The operation still declares its response schema (the OpenAPI description);
``core/tests/test_json_answer.py`` holds the bytes and headers to ninja's own path.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

CONTENT_TYPE = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"


def json_answer(values: dict[str, Any], *, status: int) -> HttpResponse:
    """``values`` (in the response schema's field order, each of its type) as the JSON answer
    ninja's ``create_response`` would give with ``status``."""
    content = json.dumps(values, cls=JSONRenderer.encoder_class, **JSONRenderer.json_dumps_params)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPE)
