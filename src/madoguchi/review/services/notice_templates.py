"""The 通知書の文面 page: a procedure's notice kind and wording, edited by its owners."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.models import Procedure
from madoguchi.review import notices
from madoguchi.review.constants import NoticeKind, Outcome
from madoguchi.review.models import NoticeTemplate

APPLICATION_KINDS = [k for k in NoticeKind.values if k != NoticeKind.PROPOSAL]


def notice_templates_save(
    *, user: User, procedure: Procedure, kind: str, texts: dict[str, tuple[str, str]], appeal: bool
) -> list[NoticeTemplate]:
    """Save the kind and the wording of both outcomes. ``texts[outcome] = (title, body)``; an
    empty title or body means the kind's default. ``appeal``: the refusal carries the 教示.
    The caller checked that ``user`` may edit the procedure (selectors.notice_procedure)."""
    errors: dict[str, list[str]] = {}
    if kind not in APPLICATION_KINDS:
        errors["kind"] = [_("通知書の種類を一覧から選んでください。")]
    for outcome in Outcome.values:
        title, body = texts.get(outcome, ("", ""))
        if len(title) > 100:
            errors[f"{outcome}_title"] = [_("表題は100文字以内で入力してください。")]
        elif title_errors := notices.check_text(title):
            errors[f"{outcome}_title"] = title_errors
        if len(body) > 5000:
            errors[f"{outcome}_body"] = [_("本文は5000文字以内で入力してください。")]
        elif body_errors := notices.check_text(body):
            errors[f"{outcome}_body"] = body_errors
    if errors:
        raise FieldErrors(errors)
    rows = []
    with transaction.atomic():
        before = {
            t.outcome: {"kind": t.kind, "title": t.title, "body": t.body, "appeal": t.appeal}
            for t in NoticeTemplate.objects.select_for_update().filter(procedure=procedure)
        }
        for outcome in Outcome.values:
            title, body = texts.get(outcome, ("", ""))
            row, _created = NoticeTemplate.objects.update_or_create(
                procedure=procedure,
                outcome=outcome,
                defaults={
                    "kind": kind,
                    "title": title.strip(),
                    "body": body.strip().replace("\r\n", "\n"),
                    "appeal": bool(appeal) and outcome == Outcome.REJECTED,
                },
            )
            rows.append(row)
        audit_record(
            actor=user,
            action="notice_templates.saved",
            target=procedure,
            before=before,
            after={
                r.outcome: {"kind": r.kind, "title": r.title, "body": r.body, "appeal": r.appeal}
                for r in rows
            },
        )
    return rows
