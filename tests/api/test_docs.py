"""The interactive API docs at /api/v1/docs (the demo banner links them): served, no CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_docs_page_answers_with_scripts_from_this_site(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "an asset from another host"
    assert "<script>" not in html.replace('<script type="application/json" id="swagger-settings">', "")
