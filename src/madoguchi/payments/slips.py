"""The payment slip (納付書) and the receipt (領収書) as PDFs.

The コンビニ収納 barcode is GS1-128 (built with python-barcode): 44 digits, AI (91) included,
in the 標準料金代理収納 layout:

    91 | 9 | 収納企業コード(5) | 企業任意(21) | 再発行区分(1) | 支払期限(YYMMDD) | 印紙フラグ(1) | 金額(6) | CD(1)

The check digit is GS1's modulus 10, weights 3 and 1 from the right, over the 43 digits
before it (the AI included). The 企業任意 area carries our お客様番号, so a collection line finds its payment.
"""

from __future__ import annotations

from io import BytesIO

from barcode.codex import Gs1_128
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from madoguchi.core.pdffonts import japanese_font
from madoguchi.payments.models import Payment

KONBINI_MAX_AMOUNT = 999_999  # six digits in the barcode (agents often accept less: 300,000)
STAMP_FROM = 50_000  # 収入印紙 needed on the store's receipt from this amount


def gs1_check_digit(digits: str) -> int:
    """GS1 modulus 10 check digit of ``digits`` (weights 3, 1, 3 … from the rightmost)."""
    if not digits.isdigit():
        raise ValueError("digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def konbini_barcode_data(payment: Payment) -> str | None:
    """The 44 digits of the barcode ("91" first, the check digit last), or None when the
    amount cannot go in a コンビニ barcode."""
    amount = payment.amount or 0
    if not 0 < amount <= KONBINI_MAX_AMOUNT or payment.due_on is None:
        return None
    body = (
        "91"
        + "9"
        + settings.PAYMENT_KONBINI_COMPANY_CODE[:5].rjust(5, "0")
        + ("0" + payment.customer_number)[-21:].rjust(21, "0")
        + "0"
        + payment.due_on.strftime("%y%m%d")
        + ("1" if amount >= STAMP_FROM else "0")
        + f"{amount:06d}"
    )
    return body + str(gs1_check_digit(body))


def customer_number_from_barcode(data: str) -> str | None:
    """The お客様番号 inside a barcode (a result file may carry the whole barcode); None when
    it is not 44 digits with a correct check digit."""
    digits = data.replace("(91)", "91", 1)
    if len(digits) != 44 or not digits.isdigit() or not digits.startswith("91"):
        return None
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        return None
    return digits[9:29]


def barcode_modules(data: str) -> str:
    """The bars of the GS1-128 symbol ('1' = dark module)."""
    return Gs1_128(data).build()[0]


def _draw_barcode(canvas: Canvas, data: str, *, x: float, y: float, height: float) -> None:
    modules = barcode_modules(data)
    module = 0.33 * mm
    canvas.setFillGray(0)
    for i, bit in enumerate(modules):
        if bit == "1":
            canvas.rect(x + i * module, y, module, height, stroke=0, fill=1)


def _group(number: str, size: int = 4) -> str:
    return "-".join(number[i : i + size] for i in range(0, len(number), size))


def _header(canvas: Canvas, title: str, payment: Payment) -> float:
    font = japanese_font()
    width, height = A4
    y = height - 25 * mm
    canvas.setFont(font, 18)
    canvas.drawString(20 * mm, y, title)
    canvas.setFont(font, 10)
    y -= 12 * mm
    for label, value in _rows(payment):
        canvas.drawString(20 * mm, y, label)
        canvas.drawString(60 * mm, y, value)
        y -= 7 * mm
    return y


def _rows(payment: Payment) -> list[tuple[str, str]]:
    application = payment.application
    rows = [
        (_("納付先"), payment.organization.name),
        (_("手続"), payment.procedure.title[:60]),
        (_("受付番号"), application.reference_number),
        (_("金額"), _("%(n)s円") % {"n": f"{payment.amount or 0:,}"}),
    ]
    if payment.revenue_name or payment.revenue_code:
        rows.append((_("歳入科目"), f"{payment.revenue_name} {payment.revenue_code}".strip()))
    return rows


def slip_pdf(payment: Payment) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(_("納付書"))
    font = japanese_font()
    y = _header(canvas, _("納付書（コンビニ・ペイジー）"), payment)
    if payment.due_on:
        canvas.drawString(20 * mm, y, _("納付期限"))
        canvas.drawString(60 * mm, y, payment.due_on.strftime("%Y年%m月%d日"))
        y -= 12 * mm
    canvas.setFont(font, 12)
    canvas.drawString(20 * mm, y, _("ペイジー（銀行ATM・ネットバンキング）"))
    canvas.setFont(font, 10)
    y -= 8 * mm
    for label, value in (
        (_("収納機関番号"), settings.PAYMENT_PAYEASY_BILLER_NUMBER),
        (_("お客様番号"), _group(payment.customer_number)),
        (_("確認番号"), payment.confirmation_number),
    ):
        canvas.drawString(25 * mm, y, label)
        canvas.drawString(65 * mm, y, value)
        y -= 7 * mm
    y -= 6 * mm
    canvas.setFont(font, 12)
    canvas.drawString(20 * mm, y, _("コンビニエンスストア"))
    canvas.setFont(font, 10)
    data = konbini_barcode_data(payment)
    if data:
        y -= 22 * mm
        _draw_barcode(canvas, data, x=20 * mm, y=y, height=15 * mm)
        y -= 6 * mm
        canvas.setFont("Courier", 9)
        canvas.drawString(20 * mm, y, f"(91){data[2:]}")
        canvas.setFont(font, 10)
    else:
        y -= 8 * mm
        canvas.drawString(
            25 * mm, y, _("この金額はコンビニではお支払いいただけません。ペイジーをご利用ください。")
        )
    y -= 14 * mm
    canvas.drawString(20 * mm, y, _("お支払いの確認には、数日かかることがあります。"))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def receipt_pdf(payment: Payment) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(_("領収書"))
    y = _header(canvas, _("領収書"), payment)
    paid_at = timezone.localtime(payment.paid_at) if payment.paid_at else None
    for label, value in (
        (_("領収額"), _("%(n)s円") % {"n": f"{payment.paid_amount:,}"}),
        (_("納付日"), paid_at.strftime("%Y年%m月%d日") if paid_at else "-"),
        (_("納付方法"), payment.get_method_display()),
        (_("領収番号"), str(payment.pk).split("-")[0].upper()),
    ):
        canvas.drawString(20 * mm, y, label)
        canvas.drawString(60 * mm, y, value)
        y -= 7 * mm
    if payment.refunded_amount:
        canvas.drawString(20 * mm, y, _("還付額"))
        canvas.drawString(60 * mm, y, _("%(n)s円") % {"n": f"{payment.refunded_amount:,}"})
        y -= 7 * mm
    y -= 8 * mm
    canvas.drawString(20 * mm, y, _("上記の金額を領収しました。"))
    canvas.drawString(120 * mm, y, payment.organization.name)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
