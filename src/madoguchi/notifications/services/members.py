"""職員名簿・組合員名簿 (Member): who has which employee/member number, read from a CSV.

Payslips (``delivery_batch_create``) and push segments find people by their number; the
organization keeps the list up to date by uploading its roster. Each row is upserted by
(organization, number): a known number keeps its person unless the e-mail names another one;
an unknown e-mail gets an account (the person signs in with the e-mail link). Rows with errors
are reported by line and change nothing; the others are saved in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.notifications.models import Member
from madoguchi.notifications.services.batches import (
    NUMBER_COLUMNS,
    column_named,
    decode_csv_text,
    normalize_number,
)

EMAIL_COLUMNS = ("email", "e-mail", "メールアドレス", "メール")
NAME_COLUMNS = ("name", "氏名", "名前")
BIRTH_COLUMNS = ("birth_date", "生年月日")
MAX_ROWS = 20_000


@dataclass
class MemberImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def _birth(value: str) -> dt.date | None:
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        return None
    parts = value.replace("/", "-").replace(".", "-").split("-")
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2])) if len(parts) == 3 else None
    except ValueError:
        return None


def member_import(*, actor: User, organization: Organization, data: bytes) -> MemberImportReport:
    """Upsert the roster; raises FieldErrors({"roster": …}) when the file cannot be read."""
    text = decode_csv_text(data)
    if text is None:
        raise FieldErrors(
            {"roster": [_("CSV を読めませんでした。UTF-8 または Shift_JIS で保存してください。")]}
        )
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise FieldErrors({"roster": [_("CSV が空です。")]})
    header, body = rows[0], rows[1:]
    number_col, email_col = column_named(header, NUMBER_COLUMNS), column_named(header, EMAIL_COLUMNS)
    if number_col is None or email_col is None:
        raise FieldErrors(
            {"roster": [_("1行目に「職員番号」（または「組合員番号」）と「メールアドレス」の列が必要です。")]}
        )
    if len(body) > MAX_ROWS:
        raise FieldErrors({"roster": [_("一度に取り込めるのは%(n)s行までです。") % {"n": f"{MAX_ROWS:,}"}]})
    name_col, birth_col = column_named(header, NAME_COLUMNS), column_named(header, BIRTH_COLUMNS)
    index = {name: i for i, name in enumerate(header)}

    def cell(row: list[str], column: str | None) -> str:
        if column is None or index[column] >= len(row):
            return ""
        return row[index[column]].strip()

    report = MemberImportReport()
    seen: set[str] = set()
    with transaction.atomic():
        for line, row in enumerate(body, start=2):
            if not any(c.strip() for c in row):
                continue
            number = normalize_number(cell(row, number_col))
            email = User.objects.normalize_email(unicodedata.normalize("NFKC", cell(row, email_col)))
            if not number:
                report.errors.append((line, _("職員番号がありません。")))
                continue
            if number in seen:
                report.errors.append((line, _("同じ職員番号が前の行にもあります。")))
                continue
            seen.add(number)
            if "@" not in email:
                report.errors.append(
                    (line, _("メールアドレスの形が正しくありません（例: yamada@example.jp）。"))
                )
                continue
            birth = None
            if birth_col is not None and cell(row, birth_col):
                birth = _birth(cell(row, birth_col))
                if birth is None:
                    report.errors.append(
                        (line, _("生年月日を読めませんでした（例: 1990-04-01、1990/4/1）。"))
                    )
                    continue
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email, display_name=cell(row, name_col)[:100])
            member = Member.objects.filter(organization=organization, number=number).first()
            other = Member.objects.filter(organization=organization, user=user).exclude(number=number).first()
            if other is not None:
                report.errors.append(
                    (
                        line,
                        _("このメールアドレスの方は別の職員番号（%(n)s）で登録されています。")
                        % {"n": other.number},
                    )
                )
                continue
            if member is None:
                Member.objects.create(organization=organization, number=number, user=user, birth_date=birth)
                report.created += 1
            elif member.user_id != user.pk or (birth is not None and member.birth_date != birth):
                member.user = user
                member.birth_date = birth or member.birth_date
                member.save(update_fields=["user", "birth_date"])
                report.updated += 1
            else:
                report.unchanged += 1
        audit_record(
            actor=actor,
            action="members.imported",
            target=organization,
            after={"created": report.created, "updated": report.updated, "errors": len(report.errors)},
        )
    return report
