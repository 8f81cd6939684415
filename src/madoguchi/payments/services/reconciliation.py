"""Reconciliation (消込): staff import the collection agent's daily result file; each line is
matched to a payment by its お客様番号 (or the whole barcode). Unmatched, duplicate and
wrong-amount lines are listed for action. The same file imported again changes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Organization
from madoguchi.accounts.permissions import StaffScope
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core import textfiles
from madoguchi.core.errors import FieldErrors
from madoguchi.payments.constants import EventKind, LineOutcome, Method, PaymentStatus
from madoguchi.payments.models import CollectionImport, CollectionLine, Payment
from madoguchi.payments.services._common import ledger
from madoguchi.payments.services.settlement import mark_paid
from madoguchi.payments.slips import customer_number_from_barcode

RECONCILE_ROLES = {Role.CENTRE, Role.APPROVER, Role.ADMIN, Role.COUNTER}
MAX_BYTES = 5 * 1024 * 1024
# Header names accepted for each column (Japanese as the agents write them, or English).
COLUMNS = {
    "paid_on": ("収納日", "入金日", "paid_on", "date"),
    "number": ("お客様番号", "バーコード", "customer_number", "barcode"),
    "amount": ("金額", "収納金額", "amount"),
    "channel": ("収納機関", "チャネル", "channel"),
    "agent_ref": ("収納番号", "受付番号", "agent_ref"),
}
CHANNELS = {"ペイジー": Method.PAYEASY, "payeasy": Method.PAYEASY, "pay-easy": Method.PAYEASY}


def can_reconcile(user: User, organization_id: int) -> bool:
    return bool(getattr(user, "is_superuser", False)) or StaffScope.of(user).has_role(
        *RECONCILE_ROLES, organization_id=organization_id
    )


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or Shift_JIS (core/textfiles.py)."""
    try:
        return textfiles.decode_text(raw).text
    except textfiles.UnreadableFile:
        raise FieldErrors(
            {"file": [_("文字コードを判別できません。UTF-8 か Shift_JIS の CSV を選んでください。")]}
        ) from None


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_result_file(raw: bytes) -> list[dict[str, Any]]:
    """Rows of the result file; FieldErrors naming the line for anything unreadable."""
    if len(raw) > MAX_BYTES:
        raise FieldErrors({"file": [_("ファイルが大きすぎます（5MBまで）。")]})
    text = unicodedata.normalize("NFKC", _decode(raw))
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    index: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, name in enumerate(header):
            if name in names or name.lower() in names:
                index[key] = i
    missing = [k for k in ("paid_on", "number", "amount") if k not in index]
    if missing:
        raise FieldErrors({"file": [_("1行目に「収納日」「お客様番号」「金額」の列が必要です。")]})
    rows, problems = [], []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        paid_on = _date(cell("paid_on"))
        amount_text = cell("amount").replace(",", "").replace("円", "")
        number = cell("number").replace("-", "").replace(" ", "")
        if paid_on is None or not amount_text.isdigit() or not number:
            problems.append(str(line_no))
            continue
        rows.append(
            {
                "line_no": line_no,
                "paid_on": paid_on,
                "amount": int(amount_text),
                "number": number,
                "channel": CHANNELS.get(cell("channel").lower(), Method.KONBINI),
                "agent_ref": cell("agent_ref")[:100],
            }
        )
    if problems:
        raise FieldErrors(
            {
                "file": [
                    _("読み取れない行があります（%(lines)s行目）。日付・お客様番号・金額を確かめてください。")
                    % {"lines": "、".join(problems[:10])}
                ]
            }
        )
    if not rows:
        raise FieldErrors({"file": [_("明細の行がありません。")]})
    return rows


def collection_import(*, user: User, organization: Organization, raw: bytes, name: str) -> CollectionImport:
    if not can_reconcile(user, organization.pk):
        raise Http404
    rows = parse_result_file(raw)
    digest = hashlib.sha256(raw).hexdigest()
    existing = CollectionImport.objects.filter(organization=organization, sha256=digest).first()
    if existing:
        return existing  # the same file again: nothing new
    try:
        with transaction.atomic():
            collection = CollectionImport.objects.create(
                organization=organization, original_name=name[:255], sha256=digest, imported_by=user
            )
            counts = {o: 0 for o in LineOutcome.values}
            for row in rows:
                outcome, payment, note = _match(user, organization, row, collection)
                CollectionLine.objects.create(
                    collection=collection,
                    line_no=row["line_no"],
                    customer_number=row["number"][:40],
                    amount=row["amount"],
                    paid_on=row["paid_on"],
                    channel=row["channel"],
                    agent_ref=row["agent_ref"],
                    outcome=outcome,
                    payment=payment,
                    note=note,
                )
                counts[outcome] += 1
            collection.counts = counts
            collection.save(update_fields=["counts"])
            audit_record(
                actor=user,
                action="payment.collection_imported",
                target=collection,
                after={"name": name[:255], "sha256": digest, "counts": counts},
            )
    except IntegrityError:
        return CollectionImport.objects.get(organization=organization, sha256=digest)
    return collection


def _match(user: User, organization: Organization, row: dict[str, Any], collection: CollectionImport):
    number = row["number"]
    if len(number) > 20:
        number = customer_number_from_barcode(number) or number
    payment = (
        Payment.objects.select_for_update()
        .select_related("application", "procedure")
        .filter(customer_number=number, organization=organization)
        .first()
    )
    if payment is None:
        return LineOutcome.UNMATCHED, None, _("該当する請求がありません。")
    if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        ledger(
            payment,
            EventKind.IGNORED,
            actor=user,
            amount=row["amount"],
            collection=collection.pk,
            duplicate=True,
        )
        return LineOutcome.DUPLICATE, payment, _("すでに納付済みの請求です。還付を検討してください。")
    if row["amount"] != payment.amount:
        ledger(
            payment,
            EventKind.IGNORED,
            actor=user,
            amount=row["amount"],
            collection=collection.pk,
            wrong_amount=True,
        )
        return (
            LineOutcome.WRONG_AMOUNT,
            payment,
            _("請求額は%(n)s円です。") % {"n": f"{payment.amount or 0:,}"},
        )
    ledger(payment, EventKind.RECONCILED, actor=user, amount=row["amount"], collection=collection.pk)
    mark_paid(
        payment,
        amount=row["amount"],
        provider="slip",
        method=row["channel"],
        actor=user,
        collection=collection.pk,
        paid_on=row["paid_on"].isoformat(),
    )
    return LineOutcome.MATCHED, payment, ""


def collection_line_resolve(*, user: User, line_id: int, note: str) -> CollectionLine:
    """Staff record what they did about a listed line (refund, contacted the payer …)."""
    note = (note or "").strip()
    with transaction.atomic():
        line = (
            CollectionLine.objects.select_for_update().select_related("collection").filter(pk=line_id).first()
        )
        if line is None or not can_reconcile(user, line.collection.organization_id):
            raise Http404
        if not note:
            raise FieldErrors({"note": [_("対応の内容を入力してください。")]})
        if line.outcome == LineOutcome.MATCHED or line.resolved_at:
            return line
        before = line.outcome
        line.note = f"{line.note}\n{note}".strip()[:2000]
        line.resolved_by = user
        line.resolved_at = timezone.now()
        line.save(update_fields=["note", "resolved_by", "resolved_at"])
        audit_record(
            actor=user,
            action="payment.collection_line_resolved",
            target=line.collection,
            after={"line": line.pk, "outcome": before, "note": note[:500]},
        )
    return line
