"""Notification events the knowledge app sends (registered in ``KnowledgeConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INQUIRY_ANSWERED = "inquiry.answered"


def register() -> None:
    from madoguchi.notifications.events import EVENTS, EventType, register_event

    if INQUIRY_ANSWERED in EVENTS:
        return
    register_event(
        EventType(
            id=INQUIRY_ANSWERED,
            label=_("お問い合わせへの回答"),
            placeholders=("inquiry_name", "inquiry_body", "answer", "inquiry_date"),
            subject={
                "ja": "【回答】お問い合わせへの回答（{{ organization_name }}）",
                "en": "Answer to your inquiry ({{ organization_name }})",
            },
            body={
                "ja": "{{ inquiry_name }} 様\n\n{{ inquiry_date }} にいただいたお問い合わせにお答えします。\n\n"
                "{{ answer }}\n\n――― お問い合わせ内容 ―――\n{{ inquiry_body }}\n\n{{ organization_name }}",
                "en": "Dear {{ inquiry_name }},\n\nThis answers the inquiry you sent on {{ inquiry_date }}.\n\n"
                "{{ answer }}\n\n--- Your inquiry ---\n{{ inquiry_body }}\n\n{{ organization_name }}",
            },
            sample={
                "inquiry_name": "窓口 花子",
                "inquiry_body": "保険証をなくしました。どうすればいいですか。",
                "answer": "保険年金課の窓口で再発行の手続きができます。",
                "inquiry_date": "2026-04-01",
            },
        )
    )
