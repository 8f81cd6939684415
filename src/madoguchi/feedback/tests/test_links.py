from types import SimpleNamespace

import pytest
from django.template import Context, Template

from madoguchi.core.testing import make_organization
from madoguchi.feedback.models import Review
from madoguchi.feedback.services import review_point_create

pytestmark = pytest.mark.django_db


def _render(source: str, **context) -> str:
    return Template("{% load feedback_links %}" + source).render(Context(context))


def test_a_booking_links_to_its_resources_point_once_per_booking(client):
    organization = make_organization()
    resource = SimpleNamespace(pk=12, organization_id=organization.pk)
    booking = SimpleNamespace(pk="b-1", resource=resource)
    assert _render("{% booking_review_url booking %}", booking=booking) == ""  # no point yet
    review_point_create(
        actor=None,
        organization=organization,
        kind="resource",
        name="市民課",
        external_ref="reservations.resource:12",
    )
    url = _render("{% booking_review_url booking %}", booking=booking)
    page = client.get(url)
    assert page.status_code == 200 and "市民課" in page.content.decode()
    nonce = page.content.decode().split('name="nonce" value="')[1].split('"')[0]
    assert client.post(url, {"nonce": nonce, "satisfaction": "5"}).status_code == 302
    again = client.get(url)
    nonce = again.content.decode().split('name="nonce" value="')[1].split('"')[0]
    assert client.post(url, {"nonce": nonce, "satisfaction": "1"}).status_code == 409
    assert Review.objects.get().channel == "receipt"


def test_the_review_qr_is_an_inline_svg_with_a_label():
    svg = _render('{% review_qr "/feedback/ABCDEF/" %}')
    assert svg.startswith("<svg") and 'aria-label="アンケートのQRコード"' in svg
