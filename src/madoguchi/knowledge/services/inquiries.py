"""お問い合わせ: what a person sends when the FAQ and the chat did not answer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.knowledge.constants import InquiryStatus
from madoguchi.knowledge.models import Inquiry, InquiryReply
from madoguchi.knowledge.notifications import INQUIRY_ANSWERED
from madoguchi.knowledge.selectors import Viewer, signed_in_user
from madoguchi.knowledge.services.permissions import Actor, check_member

REPLY_LIMIT = 5000


def inquiry_create(
    *,
    organization: Organization,
    name: str,
    email: str,
    body: str,
    conversation: str = "",
    user: Viewer = None,
) -> Inquiry:
    """Store an inquiry; a signed-in person's is linked to them (the answer reaches their mailbox)."""
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
            organization=organization,
            name=name,
            email=email,
            body=body,
            conversation=conversation[:5000],
            user=signed_in_user(user),
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


def _recipient(inquiry: Inquiry):
    """Who receives the answer: the signed-in asker, else the account of that e-mail address
    (made now if there is none, as the e-mail sign-in would), so it lands in a mailbox too."""
    if inquiry.user_id:
        return inquiry.user
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    email = inquiry.email.strip().lower()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_model.objects.create_user(email=email, display_name=inquiry.name[:100])
    return user


def inquiry_answer(*, inquiry: Inquiry, actor: Actor, body: str) -> InquiryReply:
    """Answer an inquiry: the reply is kept with it, the inquiry is marked answered, and the
    person gets it in their mailbox and by e-mail (notifications outbox, sent after commit)."""
    from madoguchi.notifications.services import notification_enqueue

    check_member(actor, inquiry.organization)
    body = (body or "").strip()
    if not body:
        raise FieldErrors({"body": [_("回答を入力してください。")]})
    if len(body) > REPLY_LIMIT:
        raise FieldErrors({"body": [_("回答は5,000文字以内で入力してください。")]})
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().select_related("organization").get(pk=inquiry.pk)
        reply = InquiryReply.objects.create(inquiry=inquiry, body=body, author=signed_in_user(actor))
        before = inquiry.status
        inquiry.status = InquiryStatus.ANSWERED
        inquiry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="inquiry.answered",
            target=inquiry,
            before={"status": before},
            after={"status": inquiry.status, "reply": reply.pk},
        )
        notification_enqueue(
            recipient=_recipient(inquiry),
            event=INQUIRY_ANSWERED,
            organization=inquiry.organization,
            context={
                "inquiry_name": inquiry.name,
                "inquiry_body": inquiry.body[:500],
                "answer": body,
                "inquiry_date": timezone.localtime(inquiry.created_at).strftime("%Y-%m-%d"),
            },
            dedupe_key=f"inquiry-reply-{reply.pk}",
        )
    return reply
