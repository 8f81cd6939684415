import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.notifications.models import NotificationTemplate
from madoguchi.notifications.services import notification_enqueue, template_preview, template_save

pytestmark = pytest.mark.django_db


def test_a_template_with_an_unknown_placeholder_is_refused_when_saved():
    organization = make_organization()
    with pytest.raises(FieldErrors) as exc:
        template_save(
            organization=organization,
            event="application.submitted",
            language="ja",
            subject="【受付】{{ procedure_title }}",
            body="{{ applicant_phone }} 様、受付番号は {{ reference_number }} です。",
            actor=make_staff(organization, role=Role.OWNER),
        )
    assert list(exc.value.errors) == ["body"]
    assert "{{ applicant_phone }}" in exc.value.errors["body"][0]
    assert not NotificationTemplate.objects.exists()


def test_unbalanced_braces_are_refused():
    organization = make_organization()
    with pytest.raises(FieldErrors) as exc:
        template_save(
            organization=organization,
            event="application.submitted",
            language="ja",
            subject="{{ procedure_title }",
            body="本文",
            actor="system",
        )
    assert "subject" in exc.value.errors


def test_a_saved_template_is_used_for_that_organization_and_language_only():
    organization, other = make_organization(), make_organization()
    template_save(
        organization=organization,
        event="application.submitted",
        language="ja",
        subject="受付しました: {{ reference_number }}",
        body="{{ recipient_name }} 様 {{ procedure_title }}",
        actor="system",
    )
    user = make_user(display_name="山田 花子")
    context = {"reference_number": "A-1", "procedure_title": "転入届", "application_url": "http://x/"}
    (mine,) = notification_enqueue(
        recipient=user,
        event="application.submitted",
        organization=organization,
        context=context,
        dedupe_key="1",
        channels=["email"],
    )
    (theirs,) = notification_enqueue(
        recipient=user,
        event="application.submitted",
        organization=other,
        context=context,
        dedupe_key="1",
        channels=["email"],
    )
    assert mine.subject == "受付しました: A-1" and mine.body == "山田 花子 様 転入届"
    assert theirs.subject == "【受付】転入届"


def test_preview_fills_in_sample_values():
    subject, body = template_preview(
        organization=make_organization(name="東京都職員共済組合"),
        event="application.submitted",
        language="ja",
    )
    assert subject == "【受付】高額療養費の支給申請"
    assert "KYO-2026-000123" in body and "東京都職員共済組合" in body and "{{" not in body


def test_staff_page_shows_the_error_next_to_the_field_and_keeps_what_was_typed(client):
    organization = make_organization()
    client.force_login(make_staff(organization, role=Role.OWNER))
    url = reverse("notifications:staff_template", args=[organization.slug, "application.submitted", "ja"])
    response = client.post(url, {"subject": "件名", "body": "{{ nope }} です", "action": "save"})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="body-error"' in html and 'aria-describedby="body-error"' in html
    assert "{{ nope }} です" in html and "error-summary" in html
    assert not NotificationTemplate.objects.exists()
    response = client.post(
        url, {"subject": "件名 {{ reference_number }}", "body": "本文", "action": "preview"}
    )
    assert "件名 KYO-2026-000123" in response.content.decode()
    response = client.post(url, {"subject": "件名 {{ reference_number }}", "body": "本文", "action": "save"})
    assert (
        response.status_code == 302
        and NotificationTemplate.objects.get().subject == "件名 {{ reference_number }}"
    )


def test_template_pages_need_a_manager_role_in_the_organization(client):
    organization = make_organization()
    url = reverse("notifications:staff_templates", args=[organization.slug])
    client.force_login(make_user())
    assert client.get(url).status_code == 404  # an applicant (accounts.staff_required)
    client.force_login(make_staff(organization, role=Role.REVIEWER))
    assert client.get(url).status_code == 403
    client.force_login(make_staff(organization, role=Role.OWNER))
    assert client.get(url).status_code == 200
