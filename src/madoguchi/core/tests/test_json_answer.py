"""core.json_answer writes what django-ninja's create_response writes for the same values: the
same bytes and headers, as long as the API renders with ninja's default JSON renderer."""

import datetime
import uuid

from django.test import RequestFactory
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer

from madoguchi.config.api import api
from madoguchi.core.json_answer import json_answer

VALUES = {
    "id": uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
    "procedure": {"organization": "tokyo", "slug": "permit", "title": "道路占用許可申請"},
    "version": 3,
    "data": {"name": "山田 太郎", "count": 2, "agree": True, "items": ["a", "b"], "none": None},
    "status_label": gettext_lazy("受付"),
    "application_id": None,
    "created_at": datetime.datetime(2026, 12, 5, 6, 30, 1, 123456, tzinfo=datetime.UTC),
    "updated_at": datetime.datetime(2026, 12, 5, 6, 30, 1, tzinfo=datetime.UTC),
}


def test_the_api_renders_with_ninjas_default_json_renderer():
    """json_answer writes as this renderer does; another renderer would need it changed too."""
    assert type(api.renderer) is JSONRenderer
    assert api.renderer.encoder_class is JSONRenderer.encoder_class
    assert not api.renderer.json_dumps_params


def test_the_answer_is_ninjas_byte_for_byte_headers_included():
    request = RequestFactory().post("/api/v1/drafts")
    for status in (200, 201):
        ours = json_answer(VALUES, status=status)
        ninjas = api.create_response(request, VALUES, status=status)
        assert ours.status_code == ninjas.status_code == status
        assert ours.content == ninjas.content
        assert dict(ours.items()) == dict(ninjas.items())
    assert b'"2026-12-05T06:30:01.123Z"' in ours.content  # Django's encoder: milliseconds, Z
