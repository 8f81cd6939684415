"""お問い合わせ: what a person sends when the FAQ and the chat did not answer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.knowledge.constants import InquiryStatus
from madoguchi.knowledge.models import Inquiry
from madoguchi.knowledge.services.permissions import Actor, check_member


def inquiry_create(
    *, organization: Organization, name: str, email: str, body: str, conversation: str = ""
) -> Inquiry:
    errors: dict[str, list[str]] = {}
    name, email, body = name.strip(), email.strip(), body.strip()
    if not name:
        errors["name"] = [_("お名前を入力してください。")]
    elif len(name) > 100:
        errors["name"] = [_("お名前は100文字以内で入力してください。")]
    if not email:
        errors["email"] = [_("メールアドレスを入力してください。")]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("メールアドレスは name@example.jp のように入力してください。")]
    if not body:
        errors["body"] = [_("お問い合わせ内容を入力してください。")]
    elif len(body) > 5000:
        errors["body"] = [_("お問い合わせ内容は5,000文字以内で入力してください。")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            organization=organization, name=name, email=email, body=body, conversation=conversation[:5000]
        )
        audit_record(actor="public", action="inquiry.created", target=inquiry)
    return inquiry


def inquiry_set_status(*, inquiry: Inquiry, actor: Actor, status: str) -> Inquiry:
    check_member(actor, inquiry.organization)
    if status not in InquiryStatus.values:
        raise FieldErrors({"status": [_("状態の指定が正しくありません。")]})
    with transaction.atomic():
        before = inquiry.status
        inquiry.status = status
        inquiry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="inquiry.status",
            target=inquiry,
            before={"status": before},
            after={"status": status},
        )
    return inquiry
