"""Decision notices: PDF from the procedure's wording (or the default for its kind), then signed.

Kinds (constants.NoticeKind): 承認/不承認, 許可/不許可, 合格/不合格, 認定/不認定 for applications,
chosen per procedure on the 通知書の文面 page, and 起案の決裁結果 for proposals (addressed to
the drafter, never as an applicant). The 教示 (how to ask for 審査請求 and sue) is added only
where it applies: to a refusal that is an administrative disposition — not to exam results
(行政不服審査法 第7条第1項第11号) and not to internal proposals.
Placeholders are ``{{ name }}``, as everywhere (notifications.templating).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.applications.constants import DECISION_WORDS
from madoguchi.core.pdffonts import japanese_font
from madoguchi.core.wareki import to_wareki
from madoguchi.notifications.templating import check_template_text, render_text
from madoguchi.review.constants import NoticeKind, Outcome

PLACEHOLDERS = (
    "applicant",
    "reference_number",
    "procedure",
    "organization",
    "decided_on",
    "submitted_on",
    "reason",
)

_RECEIVED = (
    "{{ submitted_on }} に受け付けた「{{ procedure }}」の申請（受付番号 {{ reference_number }}）について、"
)
DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    NoticeKind.APPROVAL: {
        Outcome.APPROVED: (
            "決定通知書",
            "{{ applicant }} 様\n\n" + _RECEIVED + "審査の結果、次のとおり承認することに決定しましたので"
            "通知します。\n\n{{ reason }}",
        ),
        Outcome.REJECTED: (
            "不承認通知書",
            "{{ applicant }} 様\n\n"
            + _RECEIVED
            + "審査の結果、次の理由により承認しないことに決定しましたので"
            "通知します。\n\n理由: {{ reason }}",
        ),
    },
    NoticeKind.PERMIT: {
        Outcome.APPROVED: (
            "許可通知書",
            "{{ applicant }} 様\n\n" + _RECEIVED + "審査の結果、次のとおり許可することに決定しましたので"
            "通知します。\n\n{{ reason }}",
        ),
        Outcome.REJECTED: (
            "不許可通知書",
            "{{ applicant }} 様\n\n"
            + _RECEIVED
            + "審査の結果、次の理由により許可しないことに決定しましたので"
            "通知します。\n\n理由: {{ reason }}",
        ),
    },
    NoticeKind.EXAM: {
        Outcome.APPROVED: (
            "合格通知書",
            "{{ applicant }} 様\n\n{{ procedure }}（受付番号 {{ reference_number }}）の結果、"
            "あなたは合格しましたので通知します。\n\n{{ reason }}",
        ),
        Outcome.REJECTED: (
            "不合格通知書",
            "{{ applicant }} 様\n\n{{ procedure }}（受付番号 {{ reference_number }}）の結果、"
            "残念ながら合格となりませんでしたので通知します。\n\n{{ reason }}",
        ),
    },
    NoticeKind.CERTIFICATION: {
        Outcome.APPROVED: (
            "認定通知書",
            "{{ applicant }} 様\n\n" + _RECEIVED + "審査の結果、次のとおり認定しましたので通知します。"
            "\n\n{{ reason }}",
        ),
        Outcome.REJECTED: (
            "不認定通知書",
            "{{ applicant }} 様\n\n"
            + _RECEIVED
            + "審査の結果、次の理由により認定しないことに決定しましたので"
            "通知します。\n\n理由: {{ reason }}",
        ),
    },
    NoticeKind.PROPOSAL: {
        Outcome.APPROVED: (
            "決裁結果通知書（起案）",
            "起案者 {{ applicant }} 殿\n\n{{ submitted_on }} に起案された「{{ procedure }}」"
            "（起案番号 {{ reference_number }}）は、{{ decided_on }} に原案のとおり決裁されました。\n\n{{ reason }}",
        ),
        Outcome.REJECTED: (
            "決裁結果通知書（起案）",
            "起案者 {{ applicant }} 殿\n\n{{ submitted_on }} に起案された「{{ procedure }}」"
            "（起案番号 {{ reference_number }}）は、{{ decided_on }} の決裁の結果、承認されませんでした。"
            "\n\n理由: {{ reason }}",
        ),
    },
}

# 教示 (行政不服審査法 第82条, 行政事件訴訟法 第46条): where a refusal is a disposition.
APPEAL_TEXT = (
    "教示\n"
    "1 この決定に不服がある場合は、この決定があったことを知った日の翌日から起算して3か月以内に、"
    "{{ organization }}に対して審査請求をすることができます。\n"
    "2 この決定の取消しの訴えは、この決定があったことを知った日の翌日から起算して6か月以内に、"
    "{{ organization }}を被告として提起することができます（審査請求をした場合は、その裁決があったことを"
    "知った日の翌日から起算して6か月以内）。"
)
APPEAL_KINDS = (NoticeKind.APPROVAL, NoticeKind.PERMIT, NoticeKind.CERTIFICATION)


# The word for the outcome (the notice, the e-mail), by kind: one table with the decided
# application's status (applications.constants.DECISION_WORDS, keyed by NoticeKind's values).
OUTCOME_WORDS = DECISION_WORDS


def outcome_word(kind: str, outcome: str) -> str:
    approved, rejected = OUTCOME_WORDS.get(kind, OUTCOME_WORDS[NoticeKind.APPROVAL])
    return approved if outcome == Outcome.APPROVED else rejected


def default_appeal(kind: str, outcome: str) -> bool:
    """The 教示 goes on refusals of dispositions only (not exams, not proposals)."""
    return outcome == Outcome.REJECTED and kind in APPEAL_KINDS


def wareki(day: Any) -> str:
    """和暦 for notices (all eras, core.wareki), e.g. 令和8年11月24日."""
    return to_wareki(day)


def check_text(text: str) -> list[str]:
    """Errors of a staff-written notice title or body (unknown placeholders, stray braces)."""
    return check_template_text(text, PLACEHOLDERS)


@dataclass(frozen=True)
class NoticeLink:
    """A link printed on a notice as a QR code with its URL, added by a higher app through the
    ``case.deciding`` event (feedback adds the procedure's review form: key ``"review"``)."""

    key: str
    caption: str
    url: str  # absolute


@dataclass(frozen=True)
class NoticeWording:
    kind: str
    title: str
    body: str
    appeal: bool


def wording_for(*, procedure_id: int | None, outcome: str, is_proposal: bool = False) -> NoticeWording:
    """The wording in force: the procedure's (empty parts: its kind's default), else the default."""
    from madoguchi.review.models import NoticeTemplate

    if is_proposal or procedure_id is None:
        title, body = DEFAULTS[NoticeKind.PROPOSAL][outcome]
        return NoticeWording(NoticeKind.PROPOSAL, title, body, False)
    rows = {t.outcome: t for t in NoticeTemplate.objects.filter(procedure_id=procedure_id)}
    kind = next(iter(rows.values())).kind if rows else NoticeKind.APPROVAL
    if kind not in DEFAULTS or kind == NoticeKind.PROPOSAL:
        kind = NoticeKind.APPROVAL
    title, body = DEFAULTS[kind][outcome]
    row = rows.get(outcome)
    if row is None:
        return NoticeWording(kind, title, body, default_appeal(kind, outcome))
    return NoticeWording(kind, row.title or title, row.body or body, row.appeal)


def notice_text(*, case, decision) -> tuple[str, str, dict[str, str]]:
    """(title, body, values): the wording in force filled in, with the 教示 where it applies."""
    is_proposal = case.proposal_id is not None
    wording = wording_for(procedure_id=case.procedure_id, outcome=decision.outcome, is_proposal=is_proposal)
    if is_proposal:
        author = case.proposal.author
        addressee = getattr(author, "display_name", "") or str(author)
    else:
        addressee = case.applicant_label or _("申請者")
    opened = case.application.submitted_at if case.application_id else case.opened_at
    values = {
        "applicant": addressee,
        "reference_number": case.reference_number,
        "procedure": case.title,
        "organization": case.organization.name,
        "decided_on": wareki(timezone.localtime(decision.decided_at).date()),
        "submitted_on": wareki(timezone.localtime(opened).date()) if opened else "",
        "reason": decision.reason or "",
    }
    body = render_text(wording.body, values).rstrip()
    if wording.appeal:
        body += "\n\n" + render_text(APPEAL_TEXT, values)
    return render_text(wording.title, values), body, values


def render_notice_pdf(
    *,
    case,
    decision,
    extra_rows: list[tuple[str, str]] | None = None,
    links: list[NoticeLink] | None = None,
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
    if case.proposal_id:
        rows = [("起案番号", case.reference_number), ("件名", case.title), ("決裁日", values["decided_on"])]
    else:
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
    ]
    for link in links or []:
        story += [_link_block(link, base=base), Spacer(1, 6 * mm)]
    story += [
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


def _link_block(link: NoticeLink, *, base: Any) -> Any:
    """The QR code (reportlab's own encoder, drawn as vectors) beside its caption and URL."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    widget = QrCodeWidget(link.url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    side = 28 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    text = Paragraph(_escape(link.caption) + "<br/>" + _escape(link.url), base)  # CJK wrap breaks a long URL
    table = Table([[drawing, text]], colWidths=[32 * mm, 128 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
