"""本人開示: everything Madoguchi holds about one person, as JSON and as a PDF.

``personal_data(user)`` gathers, section by section: the account, the accounts at identity
providers linked to it with the verified profile kept (氏名, 住所, 生年月日), applications (with the
answers as shown on the status page — a マイナンバー only as its last four digits — the public
timeline, attachments, correction requests and decisions), drafts, mailbox messages,
notifications sent, contact preferences, reservations and lottery entries, counter visits,
and the audit record of what the person did. Staff-internal notes (内部メモ) are not part of
it: they are disclosed on request through the organization's own 開示請求 procedure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from io import BytesIO
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from madoguchi.accounts.types import User


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _account(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "preferred_language": user.preferred_language,
    }


def _applications(user: User) -> list[dict[str, Any]]:
    from madoguchi.applications import selectors
    from madoguchi.applications.models import Application

    rows = []
    for application in Application.objects.filter(applicant=user).select_related("procedure", "organization"):
        item: dict[str, Any] = {
            "reference_number": application.reference_number,
            "organization": application.organization.name,
            "procedure": application.procedure.title,
            "status": application.status_label,
            "channel": application.get_channel_display(),
            "submitted_at": _when(application.submitted_at),
            "decided_at": _when(application.decided_at),
            "proxy": {
                "principal_name": application.principal_name,
                "relationship": application.proxy_relationship,
            }
            if application.is_proxy
            else None,
            "answers": [
                {"label": str(row["label"]), "value": str(row["value"])}
                for row in selectors.application_answer_rows(application)
            ],
            "timeline": [
                {"at": _when(e.at), "status": e.status_label, "message": e.text}
                for e in application.events.filter(public=True)
            ],
            "attachments": [
                {
                    "name": a.original_name,
                    "type": a.content_type,
                    "size": a.size,
                    "uploaded_at": _when(a.created_at),
                }
                for a in application.attachments.all()
            ],
        }
        item.update(_review(application))
        rows.append(item)
    return rows


def _review(application: Any) -> dict[str, Any]:
    from madoguchi.review.models import CorrectionRequest, Decision

    corrections = [
        {"requested_at": _when(c.requested_at), "message": c.message, "status": c.get_status_display()}
        for c in CorrectionRequest.objects.filter(application=application)
    ]
    decision = Decision.objects.filter(case__application=application).first()
    return {
        "corrections": corrections,
        "decision": {
            "outcome": decision.get_outcome_display(),
            "reason": decision.reason,
            "at": _when(decision.decided_at),
        }
        if decision
        else None,
    }


def _drafts(user: User) -> list[dict[str, Any]]:
    from madoguchi.applications.models import Draft

    return [
        {"procedure": d.version.procedure.title, "updated_at": _when(d.updated_at), "values": _masked(d.data)}
        for d in Draft.objects.filter(applicant=user, application__isnull=True).select_related(
            "version__procedure"
        )
    ]


def _masked(value: Any) -> Any:
    """Draft values as stored, with encrypted values shown as such (never the token)."""
    from madoguchi.core import crypto

    if isinstance(value, dict):
        if "token" in value and crypto.is_token(value.get("token")):
            return _("（暗号化して保管。下4桁：%(last4)s）") % {"last4": value.get("last4", "－")}
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return _("（暗号化して保管）") if crypto.is_token(value) else value


def _mailbox(user: User) -> list[dict[str, Any]]:
    from madoguchi.notifications.models import MailboxMessage

    return [
        {
            "subject": m.subject,
            "kind": m.get_kind_display(),
            "received_at": _when(m.created_at),
            "read_at": _when(m.read_at),
            "document": m.file_name,
        }
        for m in MailboxMessage.objects.filter(user=user)
    ]


def _notifications(user: User) -> list[dict[str, Any]]:
    from madoguchi.notifications.models import ContactPreference, Notification

    sent = [
        {
            "channel": n.get_channel_display(),
            "address": n.address,
            "subject": n.subject,
            "sent_at": _when(n.sent_at),
        }
        for n in Notification.objects.filter(recipient=user)
    ]
    preference = ContactPreference.objects.filter(user=user).first()
    return [
        {
            "preferences": {
                "email": preference.email_enabled,
                "line": preference.line_enabled,
                "line_user_id": preference.line_user_id,
            }
            if preference
            else None,
            "sent": sent,
        }
    ]


def _reservations(user: User) -> list[dict[str, Any]]:
    from madoguchi.reservations.models import Booking, LotteryEntry

    bookings = [
        {
            "what": str(b.resource),
            "at": _when(b.slot.starts_at),
            "status": b.get_status_display(),
            "data": b.data,
        }
        for b in Booking.objects.filter(user=user).select_related("slot", "resource")
    ]
    entries = [
        {"lottery": str(e.lottery), "status": e.get_status_display(), "data": e.data}
        for e in LotteryEntry.objects.filter(user=user).select_related("lottery")
    ]
    return bookings + entries


def _counter(user: User) -> list[dict[str, Any]]:
    from madoguchi.counter.models import CounterVisit

    return [
        {
            "procedure": v.procedure.title,
            "visited_at": _when(v.created_at),
            "identity_check": v.get_identity_method_display(),
        }
        for v in CounterVisit.objects.filter(visitor=user).select_related("procedure")
    ]


def _audit(user: User) -> list[dict[str, Any]]:
    from madoguchi.audit.models import AuditEntry

    return [
        {"at": _when(e.at), "action": e.action, "target": f"{e.target_type}:{e.target_id}"}
        for e in AuditEntry.objects.filter(actor=user).order_by("id")[:5000]
    ]


def _identities(user: User) -> list[dict[str, Any]]:
    from madoguchi.accounts.oidc.services import identities_disclosure

    return identities_disclosure(user)


SECTIONS: list[tuple[str, Any, Callable[[Any], Any]]] = [
    ("account", gettext_lazy("アカウント"), _account),
    ("external_ids", gettext_lazy("外部のIDでのログインと本人確認済みの情報"), _identities),
    ("applications", gettext_lazy("申請"), _applications),
    ("drafts", gettext_lazy("作成中の申請（下書き）"), _drafts),
    ("mailbox", gettext_lazy("メールボックス"), _mailbox),
    ("notifications", gettext_lazy("お知らせの送信記録と受け取り方法"), _notifications),
    ("reservations", gettext_lazy("予約と抽選"), _reservations),
    ("counter_visits", gettext_lazy("窓口での手続"), _counter),
    ("activity", gettext_lazy("操作の記録（監査記録）"), _audit),
]


def personal_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {"generated_at": _when(timezone.now())}
    for key, _label, section in SECTIONS:
        data[key] = section(user)
    return data


def personal_data_json(user: User) -> bytes:
    return json.dumps(personal_data(user), ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode()


def personal_data_pdf(user: User) -> bytes:
    """The same content as the JSON, laid out for reading and printing."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from madoguchi.core.pdffonts import japanese_font

    font = japanese_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=24, spaceAfter=4 * mm)
    h2 = ParagraphStyle("h2", parent=base, fontSize=12.5, leading=19, spaceBefore=5 * mm, spaceAfter=2 * mm)
    data = personal_data(user)

    def lines(value: Any, depth: int = 0) -> list[Paragraph]:
        indent = "　" * depth
        out: list[Paragraph] = []
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, dict | list) and item:
                    out.append(Paragraph(escape(f"{indent}{key}:"), base))
                    out += lines(item, depth + 1)
                else:
                    text = "" if item in (None, []) else str(item)
                    out.append(Paragraph(escape(f"{indent}{key}: {text}").replace("\n", "<br/>"), base))
        elif isinstance(value, list):
            if not value:
                out.append(Paragraph(escape(f"{indent}{_('（ありません）')}"), base))
            for number, item in enumerate(value, start=1):
                out.append(Paragraph(escape(f"{indent}[{number}]"), base))
                out += lines(item, depth + 1)
        else:
            out.append(Paragraph(escape(f"{indent}{value}"), base))
        return out

    story: list[Any] = [
        Paragraph(escape(_("保有個人情報の開示（本人開示）")), title),
        Paragraph(escape(_("作成日時：%(at)s") % {"at": data["generated_at"]}), base),
        Spacer(1, 3 * mm),
    ]
    for key, label, _section in SECTIONS:
        story.append(Paragraph(escape(str(label)), h2))
        story += lines(data[key])
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("保有個人情報の開示"),
        lang="ja",
    ).build(story)
    return buffer.getvalue()
