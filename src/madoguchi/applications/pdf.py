"""Receipt PDF (受付票) with reportlab.

Japanese text uses ``core.pdffonts.japanese_font()``: an embedded TrueType subset when a
Japanese font is installed, else reportlab's built-in CID font (see that module).
A マイナンバー is never printed (selectors.application_answer_rows masks it).
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from madoguchi.applications import selectors
from madoguchi.applications.constants import Channel
from madoguchi.applications.models import Application
from madoguchi.core.pdffonts import japanese_font


def _font() -> str:
    return japanese_font()


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, spaceAfter=4 * mm),
        # 受付番号 and URLs are ASCII: a proportional Latin font reads better than the CID one.
        "reference": ParagraphStyle(
            "reference", parent=base, fontName="Helvetica-Bold", fontSize=22, leading=30
        ),
        "url": ParagraphStyle("url", parent=base, fontName="Helvetica", fontSize=9, leading=13),
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#444444")),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=13, leading=20, spaceBefore=5 * mm, spaceAfter=2 * mm
        ),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#444444")
        ),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _table(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    table = Table(
        [[_p(label, styles["label"]), _p(value, styles["base"])] for label, value in rows],
        colWidths=[45 * mm, 125 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def receipt_pdf(application: Application) -> bytes:
    styles = _styles()
    applicant = application.applicant
    channel = (
        Channel(application.channel).label if application.channel in Channel.values else application.channel
    )
    head: list[tuple[str, str]] = [
        (_("団体"), application.organization.name),
        (_("手続"), application.procedure.title),
        (_("受付日時"), selectors.jst_label(selectors.received_at(application))),
        (_("申請者"), applicant.display_name or applicant.email),
        (_("受付方法"), str(channel)),
    ]
    if application.is_proxy:
        head += [
            (_("申請の種類"), _("代理申請")),
            (_("ご本人の氏名"), application.principal_name),
            (_("ご本人との関係"), selectors.proxy_relationship_label(application.proxy_relationship)),
        ]
    answers = [(row["label"], row["value"]) for row in selectors.application_answer_rows(application)]
    status_url = settings.SITE_URL + reverse("applications:detail", args=[application.pk])

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{_('受付票')} {application.reference_number}",
        author=application.organization.name,
        lang="ja",
    )
    story = [
        _p(_("申請受付票"), styles["title"]),
        _p(_("受付番号"), styles["label"]),
        _p(application.reference_number, styles["reference"]),
        Spacer(1, 4 * mm),
        _table(head, styles),
        _p(_("申請内容"), styles["h2"]),
        _table(answers or [(_("（入力項目なし）"), "")], styles),
        Spacer(1, 6 * mm),
        _p(
            _(
                "この受付票は、申請を受け付けたことを示すものです。審査の結果ではありません。"
                "申請の状況は次のページで確認できます。"
            ),
            styles["small"],
        ),
        _p(status_url, styles["url"]),
    ]
    doc.build(story)
    return buffer.getvalue()
