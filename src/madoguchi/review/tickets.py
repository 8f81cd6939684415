"""The 受験票 (admission ticket, S13): its wording, its number and its PDF with a QR code.

The QR code holds the staff check page's address (``review:ticket_check``): staff at the exam
scan it (or look the 受験番号 up in the case) and see whether the ticket is valid and whose it is.
Placeholders are ``{{ name }}`` as everywhere (notifications.templating).
"""

from __future__ import annotations

import io
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.pdffonts import japanese_font
from madoguchi.core.wareki import to_wareki
from madoguchi.notifications.templating import check_template_text, render_text
from madoguchi.procedures.validation import display_rows

if TYPE_CHECKING:
    from madoguchi.accounts.types import Viewer
    from madoguchi.review.models import AdmissionTicket

PLACEHOLDERS = ("applicant", "number", "reference_number", "procedure", "organization", "issued_on")

DEFAULT_TITLE = "受験票"
DEFAULT_BODY = (
    "{{ applicant }} 様\n\n"
    "「{{ procedure }}」の受験を受け付けました。あなたの受験番号は {{ number }} です。\n\n"
    "試験の当日は、この受験票（印刷したもの、またはスマートフォンの画面）と、写真付きの本人確認書類を"
    "お持ちください。試験の日時・会場は、{{ organization }}からのお知らせで確認してください。"
)


def check_text(text: str) -> list[str]:
    """Errors of a staff-written ticket title or text (unknown placeholders, stray braces)."""
    return check_template_text(text, PLACEHOLDERS)


def format_number(prefix: str, sequence: int) -> str:
    """受験番号: the setting's prefix and a five-digit sequence of the procedure (A00012)."""
    return f"{prefix}{sequence:05d}"


def check_url(ticket: Any) -> str:
    return settings.SITE_URL + reverse("review:ticket_check", args=[ticket.pk])


def ticket_rows(ticket: Any, setting: Any) -> list[tuple[str, str]]:
    """The application's answers chosen for the ticket (label, value), in the form's order."""
    chosen = list(setting.fields or []) if setting is not None else []
    if not chosen:
        return []
    application = ticket.application
    rows = display_rows(application.version.definition, application.data)
    return [(r["label"], r["value"]) for r in rows if r["key"] in chosen]


def ticket_text(*, ticket: Any, setting: Any, applicant: str) -> tuple[str, str, dict[str, str]]:
    application = ticket.application
    values = {
        "applicant": applicant,
        "number": ticket.number,
        "reference_number": application.reference_number,
        "procedure": application.procedure.title,
        "organization": application.organization.name,
        "issued_on": to_wareki(timezone.localtime(ticket.issued_at or timezone.now()).date()),
    }
    title = render_text((getattr(setting, "title", "") or DEFAULT_TITLE), values)
    body = render_text((getattr(setting, "body", "") or DEFAULT_BODY), values).rstrip()
    return title, body, values


def render_ticket_pdf(*, ticket: Any, setting: Any, applicant: str) -> tuple[str, bytes]:
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = japanese_font()
    title, body, values = ticket_text(ticket=ticket, setting=setting, applicant=applicant)
    base = ParagraphStyle("ja", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    right = ParagraphStyle("right", parent=base, alignment=2)
    heading = ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=1, spaceAfter=6 * mm)
    number_style = ParagraphStyle("number", parent=base, fontSize=22, leading=30)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=values["organization"],
        subject=ticket.number,
    )
    size = 38 * mm
    widget = QrCodeWidget(check_url(ticket), barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    qr = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    qr.add(widget)
    head = Table(
        [
            [
                [
                    Paragraph(_escape("受験番号"), base),
                    Paragraph(_escape(values["number"]), number_style),
                    Spacer(1, 2 * mm),
                    Paragraph(_escape(f"氏名　{values['applicant']}"), base),
                ],
                qr,
            ]
        ],
        colWidths=[115 * mm, 45 * mm],
    )
    head.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, "#333333"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
            ]
        )
    )
    rows = [("試験", values["procedure"]), ("受付番号", values["reference_number"])]
    rows += ticket_rows(ticket, setting)
    rows.append(("交付日", values["issued_on"]))
    table = Table(
        [[Paragraph(_escape(k), base), Paragraph(_escape(v or "—"), base)] for k, v in rows],
        colWidths=[40 * mm, 120 * mm],
    )
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#777777"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story: list[Any] = [
        Paragraph(_escape(values["organization"]), right),
        Spacer(1, 4 * mm),
        Paragraph(_escape(title), heading),
        head,
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
    ]
    for para in body.split("\n\n"):
        story.append(Paragraph(_escape(para).replace("\n", "<br/>"), base))
        story.append(Spacer(1, 3 * mm))
    story.append(
        Paragraph(
            _escape(
                "この受験票には電子署名が付されています。右上のQRコードは、試験の会場で職員が受験票を"
                "確かめるためのものです。"
            ),
            base,
        )
    )
    doc.build(story)
    return title, buf.getvalue()


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------- reads


def access_ticket(*, user: Viewer, ticket_id: uuid.UUID | str, staff_only: bool = False) -> AdmissionTicket:
    """An issued ticket for its applicant, or for staff who may see the application's case
    (``staff_only``: staff only — the QR check page); Http404 for everyone else."""
    from django.http import Http404

    from madoguchi.accounts.models import User
    from madoguchi.review.models import AdmissionTicket, Case
    from madoguchi.review.selectors.access import access_case

    try:
        ticket_id = uuid.UUID(str(ticket_id))
    except ValueError:
        raise Http404 from None
    if not isinstance(user, User) or not user.is_authenticated:
        raise Http404
    ticket = (
        AdmissionTicket.objects.select_related(
            "application__procedure", "application__organization", "application__version"
        )
        .filter(pk=ticket_id, issued_at__isnull=False)
        .first()
    )
    if ticket is None:
        raise Http404
    if not staff_only and ticket.application.applicant_id == user.pk:
        return ticket
    case_id = Case.objects.filter(application_id=ticket.application_id).values_list("pk", flat=True).first()
    if case_id is None:
        raise Http404
    case = access_case(user=user, case_id=case_id)  # raises Http404
    ticket.case = case
    return ticket


def ticket_check_page(ticket: Any) -> dict[str, Any]:
    """What the staff at the exam see after scanning the QR code: whose ticket, and whether it holds."""
    from madoguchi.applications.constants import ApplicationStatus
    from madoguchi.review.models import TicketSetting

    application = ticket.application
    setting = TicketSetting.objects.filter(procedure_id=application.procedure_id).first()
    valid = application.status not in (ApplicationStatus.WITHDRAWN,)
    return {
        "ticket": ticket,
        "application": application,
        "case": getattr(ticket, "case", None),
        "rows": ticket_rows(ticket, setting),
        "valid": valid,
    }


def ticket_for_case(case: Any) -> Any:
    """The case's ticket (issued or waiting), for the staff case page; None without one."""
    from madoguchi.review.models import AdmissionTicket

    if not case.application_id:
        return None
    return AdmissionTicket.objects.filter(application_id=case.application_id).defer("pdf").first()
