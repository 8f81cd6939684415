"""Decision notices (決定通知書 / 不承認通知書): PDF from a per-procedure template, then signed."""

from __future__ import annotations

import io
from string import Template
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core.pdffonts import japanese_font
from madoguchi.review.constants import Outcome

DEFAULTS = {
    Outcome.APPROVED: (
        "決定通知書",
        "$applicant 様\n\n"
        "$submitted_on に受け付けた「$procedure」の申請（受付番号 $reference_number）について、"
        "審査の結果、次のとおり承認することに決定しましたので通知します。\n\n$reason",
    ),
    Outcome.REJECTED: (
        "不承認通知書",
        "$applicant 様\n\n"
        "$submitted_on に受け付けた「$procedure」の申請（受付番号 $reference_number）について、"
        "審査の結果、次の理由により承認しないことに決定しましたので通知します。\n\n理由: $reason\n\n"
        "この決定に不服がある場合は、この通知を受け取った日の翌日から起算して3か月以内に"
        "審査請求をすることができます。",
    ),
}


def wareki(day) -> str:
    """令和 date for the notice, e.g. 令和8年11月24日."""
    if day.year >= 2019 and (day.year, day.month) >= (2019, 5):
        era_year = day.year - 2018
        return f"令和{'元' if era_year == 1 else era_year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def notice_text(*, case, decision) -> tuple[str, str, dict[str, str]]:
    """(title, body, values) from the procedure's template or the default wording."""
    from madoguchi.review.models import NoticeTemplate

    title, body = DEFAULTS[Outcome(decision.outcome)]
    if case.procedure_id:
        template = NoticeTemplate.objects.filter(
            procedure_id=case.procedure_id, outcome=decision.outcome
        ).first()
        if template is not None:
            title, body = template.title, template.body
    application = case.application
    values = {
        "applicant": case.applicant_label or _("申請者"),
        "reference_number": case.reference_number,
        "procedure": case.title,
        "organization": case.organization.name,
        "decided_on": wareki(timezone.localtime(decision.decided_at).date()),
        "submitted_on": wareki(timezone.localtime(application.submitted_at).date()) if application else "",
        "reason": decision.reason or "",
    }
    return title, Template(body).safe_substitute(values), values


def render_notice_pdf(
    *, case, decision, extra_rows: list[tuple[str, str]] | None = None
) -> tuple[str, bytes]:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = japanese_font()
    title, body, values = notice_text(case=case, decision=decision)
    base = ParagraphStyle("ja", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    right = ParagraphStyle("right", parent=base, alignment=2)
    heading = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=8 * mm)
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
        subject=case.reference_number,
    )
    story: list[Any] = [
        Paragraph(_escape(values["decided_on"]), right),
        Paragraph(_escape(values["organization"]), right),
        Spacer(1, 8 * mm),
        Paragraph(_escape(title), heading),
    ]
    for para in body.split("\n\n"):
        story.append(Paragraph(_escape(para).replace("\n", "<br/>"), base))
        story.append(Spacer(1, 4 * mm))
    rows = [("受付番号", case.reference_number), ("手続", case.title), ("決定日", values["decided_on"])]
    rows += extra_rows or []
    table = Table(
        [[Paragraph(_escape(k), base), Paragraph(_escape(v), base)] for k, v in rows],
        colWidths=[35 * mm, 125 * mm],
    )
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#777777"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story += [
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 8 * mm),
        Paragraph(
            _escape(
                "この通知書には電子署名が付されています。改ざんされていないことを"
                "PDF閲覧ソフトの署名パネルで確認できます。"
            ),
            base,
        ),
    ]
    doc.build(story)
    return title, buf.getvalue()


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
