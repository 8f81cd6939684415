"""Organization wording for notification events, validated when saved."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.notifications.events import EVENTS
from madoguchi.notifications.models import NotificationTemplate
from madoguchi.notifications.services.enqueue import mailbox_url, template_texts
from madoguchi.notifications.templating import check_template_text, render_text

LANGUAGES = ("ja", "en")


def template_check(*, event: str, language: str, subject: str, body: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    event_type = EVENTS.get(event)
    if event_type is None:
        errors["event"] = [_("イベントを選んでください。")]
    if language not in LANGUAGES:
        errors["language"] = [_("言語を選んでください。")]
    if not subject.strip():
        errors["subject"] = [_("件名を入力してください。")]
    elif len(subject) > 300:
        errors["subject"] = [_("件名は300文字以内で入力してください。")]
    if not body.strip():
        errors["body"] = [_("本文を入力してください。")]
    if event_type is not None:
        for key, text in (("subject", subject), ("body", body)):
            if text.strip():
                errors.setdefault(key, []).extend(check_template_text(text, event_type.all_placeholders))
    return {k: v for k, v in errors.items() if v}


def template_save(
    *, organization: Organization, event: str, language: str, subject: str, body: str, actor: User
) -> NotificationTemplate:
    """Create or replace the wording; an unknown placeholder is refused here, not at send time."""
    errors = template_check(event=event, language=language, subject=subject, body=body)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        template, created = NotificationTemplate.objects.select_for_update().get_or_create(
            organization=organization,
            event=event,
            language=language,
            defaults={"subject": subject, "body": body},
        )
        before = None if created else {"subject": template.subject, "body": template.body}
        if not created:
            template.subject, template.body = subject, body
            template.save(update_fields=["subject", "body", "updated_at"])
        audit_record(
            actor=actor,
            action="notification_template.saved",
            target=template,
            before=before,
            after={"event": event, "language": language, "subject": subject, "body": body},
        )
    return template


def template_preview(
    *,
    organization: Organization,
    event: str,
    language: str,
    subject: str | None = None,
    body: str | None = None,
) -> tuple[str, str]:
    """Render the wording (given, saved, or default) with the event's sample values."""
    event_type = EVENTS[event]
    saved_subject, saved_body = template_texts(organization=organization, event=event, language=language)
    values = {
        "organization_name": organization.name,
        "recipient_name": _("山田 花子") if language == "ja" else "Hanako Yamada",
        "mailbox_url": mailbox_url(),
        "site_url": settings.SITE_URL,
        **event_type.sample,
    }
    return (
        render_text(saved_subject if subject is None else subject, values),
        render_text(saved_body if body is None else body, values),
    )
