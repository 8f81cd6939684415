"""Events that cause notifications, with their placeholders and default wording (ja, en).

Register a new event with ``@register_event`` style calls below; organizations may
override the wording per language (NotificationTemplate), never the placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

# Placeholders every event provides (filled in by notification_enqueue).
COMMON_PLACEHOLDERS = ("organization_name", "recipient_name", "mailbox_url", "site_url")


@dataclass(frozen=True)
class EventType:
    id: str
    label: Any  # lazy translated string
    placeholders: tuple[str, ...]
    subject: dict[str, str]
    body: dict[str, str]
    # False for events whose content already is in the mailbox (delivered documents).
    to_mailbox: bool = True
    sample: dict[str, str] = field(default_factory=dict)

    @property
    def all_placeholders(self) -> tuple[str, ...]:
        return COMMON_PLACEHOLDERS + self.placeholders


EVENTS: dict[str, EventType] = {}


def register_event(event: EventType) -> EventType:
    if event.id in EVENTS:
        raise ValueError(f"event {event.id!r} registered twice")
    EVENTS[event.id] = event
    return event


def get_event(event_id: str) -> EventType:
    try:
        return EVENTS[event_id]
    except KeyError:
        raise LookupError(f"unknown notification event {event_id!r}") from None


_APP = ("reference_number", "procedure_title", "application_url")
_APP_SAMPLE = {
    "reference_number": "KYO-2026-000123",
    "procedure_title": "高額療養費の支給申請",
    "application_url": "https://madoguchi.example.jp/applications/…/",
}

register_event(
    EventType(
        id="application.submitted",
        label=_("申請の受付"),
        placeholders=_APP,
        subject={"ja": "【受付】{{ procedure_title }}", "en": "Received: {{ procedure_title }}"},
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }} の申請を受け付けました。\n"
            "受付番号: {{ reference_number }}\n\n申請の状況は次のページで確認できます。\n{{ application_url }}\n\n"
            "{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\nWe received your application for {{ procedure_title }}.\n"
            "Reference number: {{ reference_number }}\n\nCheck its status here:\n{{ application_url }}\n\n"
            "{{ organization_name }}",
        },
        sample=_APP_SAMPLE,
    )
)
register_event(
    EventType(
        id="application.correction_requested",
        label=_("補正のお願い"),
        placeholders=(*_APP, "message", "due_date"),
        subject={
            "ja": "【補正のお願い】{{ procedure_title }}",
            "en": "Correction needed: {{ procedure_title }}",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }}（受付番号 {{ reference_number }}）について、"
            "内容の補正をお願いします。\n\n{{ message }}\n\n期限: {{ due_date }}\n\n"
            "次のページから補正できます。\n{{ application_url }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\nPlease correct your application for {{ procedure_title }} "
            "(reference {{ reference_number }}).\n\n{{ message }}\n\nDue: {{ due_date }}\n\n"
            "Correct it here:\n{{ application_url }}\n\n{{ organization_name }}",
        },
        sample={**_APP_SAMPLE, "message": "領収書の写真が読み取れません。", "due_date": "2026年12月10日"},
    )
)
register_event(
    EventType(
        id="application.decided",
        label=_("審査結果"),
        placeholders=(*_APP, "decision", "review_url"),
        subject={"ja": "【審査結果】{{ procedure_title }}", "en": "Decision: {{ procedure_title }}"},
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }}（受付番号 {{ reference_number }}）の"
            "審査結果: {{ decision }}\n\n詳しくは次のページをご覧ください。\n{{ application_url }}\n\n"
            "手続のしやすさについて、1分ほどのアンケートにご協力ください（お名前などは伺いません）。\n"
            "{{ review_url }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\nDecision on {{ procedure_title }} (reference "
            "{{ reference_number }}): {{ decision }}\n\nDetails:\n{{ application_url }}\n\n"
            "How easy was this procedure? Please answer a one-minute survey (we do not ask your name):\n"
            "{{ review_url }}\n\n{{ organization_name }}",
        },
        sample={
            **_APP_SAMPLE,
            "decision": "承認",
            "review_url": "https://madoguchi.example.jp/feedback/v/…/",
        },
    )
)
register_event(
    EventType(
        id="reservation.reminder",
        label=_("予約日のお知らせ"),
        placeholders=("facility", "starts_at", "reservation_url"),
        subject={"ja": "【予約のお知らせ】{{ facility }}", "en": "Reminder: {{ facility }}"},
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ starts_at }} に {{ facility }} のご予約があります。\n"
            "予約の確認・変更はこちら:\n{{ reservation_url }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\nYou have a reservation at {{ facility }} on {{ starts_at }}.\n"
            "View or change it here:\n{{ reservation_url }}\n\n{{ organization_name }}",
        },
        sample={
            "facility": "保養所 箱根荘",
            "starts_at": "2026年12月24日 15:00",
            "reservation_url": "https://…",
        },
    )
)
register_event(
    EventType(
        id="reservation.updated",
        label=_("予約・抽選のお知らせ"),
        placeholders=("title", "body", "facility", "reservation_url"),
        subject={"ja": "{{ title }}", "en": "{{ title }}"},
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ body }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\n{{ body }}\n\n{{ organization_name }}",
        },
        sample={
            "title": "【予約完了】保養所 箱根荘",
            "body": "予約を受け付けました。当日は受付コードかQRコードを窓口でお見せください。",
            "facility": "保養所 箱根荘",
            "reservation_url": "https://…",
        },
    )
)
register_event(
    EventType(
        id="document.delivered",
        label=_("書類の到着"),
        placeholders=("document_title",),
        subject={"ja": "【書類のお知らせ】{{ document_title }}", "en": "New document: {{ document_title }}"},
        body={
            "ja": "{{ recipient_name }} 様\n\nメールボックスに「{{ document_title }}」が届きました。\n"
            "次のページでご確認ください。\n{{ mailbox_url }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\n“{{ document_title }}” has arrived in your mailbox.\n"
            "{{ mailbox_url }}\n\n{{ organization_name }}",
        },
        to_mailbox=False,
        sample={"document_title": "2026年11月分 給与明細"},
    )
)
register_event(
    EventType(
        id="push.information",
        label=_("お知らせ（一斉配信）"),
        placeholders=("title", "body"),
        subject={"ja": "【お知らせ】{{ title }}", "en": "Notice: {{ title }}"},
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ body }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\n{{ body }}\n\n{{ organization_name }}",
        },
        sample={
            "title": "特定健診のご案内",
            "body": "40歳から74歳の組合員の方は、特定健診を無料で受けられます。",
        },
    )
)

# Staff: work that reaches them (review's route engine, review/notify.py).
_TASK = ("reference_number", "case_title", "step_name", "due_date", "case_url")
_TASK_SAMPLE = {
    "reference_number": "TKY-2026-000042",
    "case_title": "研修の申込",
    "step_name": "所属長承認",
    "due_date": "令和8年12月10日",
    "case_url": "https://madoguchi.example.jp/staff/cases/…/",
}
register_event(
    EventType(
        id="review.task_assigned",
        label=_("処理の依頼（職員）"),
        placeholders=_TASK,
        subject={
            "ja": "【処理の依頼】{{ case_title }}（{{ step_name }}）",
            "en": "Work for you: {{ case_title }} ({{ step_name }})",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n「{{ case_title }}」（受付番号 {{ reference_number }}）が"
            "「{{ step_name }}」の段階に届きました。処理をお願いします。\n期限: {{ due_date }}\n\n"
            "{{ case_url }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\n“{{ case_title }}” (reference {{ reference_number }}) has "
            "reached the step “{{ step_name }}” and waits for you.\nDue: {{ due_date }}\n\n"
            "{{ case_url }}\n\n{{ organization_name }}",
        },
        sample=_TASK_SAMPLE,
    )
)
register_event(
    EventType(
        id="review.task_due",
        label=_("処理期限のお知らせ（職員）"),
        placeholders=_TASK,
        subject={
            "ja": "【期限が近づいています】{{ case_title }}（{{ step_name }}）",
            "en": "Due soon: {{ case_title }} ({{ step_name }})",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n「{{ case_title }}」（受付番号 {{ reference_number }}）の"
            "「{{ step_name }}」は {{ due_date }} が期限です。まだ処理されていません。\n\n"
            "{{ case_url }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\nThe step “{{ step_name }}” of “{{ case_title }}” (reference "
            "{{ reference_number }}) is due on {{ due_date }} and has not been done yet.\n\n"
            "{{ case_url }}\n\n{{ organization_name }}",
        },
        sample=_TASK_SAMPLE,
    )
)
register_event(
    EventType(
        id="review.digest",
        label=_("処理待ちのまとめ（職員・1日1回）"),
        placeholders=("count", "items", "work_url"),
        subject={
            "ja": "【処理待ち {{ count }} 件】本日のまとめ",
            "en": "{{ count }} item(s) waiting for you today",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\nあなたの処理を待っている案件が {{ count }} 件あります"
            "（期限切れ・期限の近い順）。\n\n{{ items }}\n\n一覧: {{ work_url }}\n\n{{ organization_name }}",
            "en": "Dear {{ recipient_name }},\n\n{{ count }} item(s) wait for you (overdue and nearest "
            "deadline first).\n\n{{ items }}\n\nYour work: {{ work_url }}\n\n{{ organization_name }}",
        },
        to_mailbox=False,
        sample={
            "count": "2",
            "items": "・TKY-2026-000042 研修の申込（所属長承認）期限 令和8年12月10日",
            "work_url": "https://madoguchi.example.jp/staff/",
        },
    )
)

# What e-mail and LINE receive instead of sensitive content.
SENSITIVE_NOTICE = {
    "subject": {
        "ja": "【窓口】{{ organization_name }}からのお知らせ",
        "en": "A message from {{ organization_name }}",
    },
    "body": {
        "ja": "{{ recipient_name }} 様\n\n{{ organization_name }}から、メールボックスに新しいお知らせが届きました。\n"
        "内容は、ログインして次のページでご確認ください。\n{{ mailbox_url }}\n\n"
        "※ 個人情報を守るため、このメールには内容を記載していません。",
        "en": "Dear {{ recipient_name }},\n\nYou have a new message from {{ organization_name }} in your mailbox.\n"
        "Please sign in and read it here:\n{{ mailbox_url }}\n\n"
        "To protect your personal information, this e-mail does not contain the message itself.",
    },
}
