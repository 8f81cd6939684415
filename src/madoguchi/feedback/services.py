"""Writes of the feedback app (docs/feedback.md)."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.feedback import ratelimit
from madoguchi.feedback.constants import PointKind, ReviewChannel
from madoguchi.feedback.masking import clean_comment, sanitize
from madoguchi.feedback.models import FeedbackSettings, ResponseNote, Review, ReviewPoint
from madoguchi.feedback.tokens import Visit
from madoguchi.procedures.models import Procedure

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from a poster


class TooManyReviews(DomainError):
    status = 429
    code = "too_many_requests"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def feedback_settings_of(*, organization: Organization) -> FeedbackSettings:
    settings, _created = FeedbackSettings.objects.get_or_create(organization=organization)
    return settings


def review_point_create(
    *,
    actor: User | None,
    organization: Organization,
    kind: str,
    name: str,
    department: Department | None = None,
    location: str = "",
    procedure: Procedure | None = None,
    external_ref: str = "",
    code: str = "",
) -> ReviewPoint:
    errors: dict[str, list[str]] = {}
    if kind not in PointKind.values:
        errors["kind"] = [_("種類を選んでください。")]
    if not name.strip():
        errors["name"] = [_("名称を入力してください。")]
    if department is not None and department.organization_id != organization.pk:
        errors["department"] = [_("この団体の部署を選んでください。")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        point = ReviewPoint.objects.create(
            organization=organization,
            department=department,
            kind=kind,
            name=name.strip(),
            location=location.strip(),
            procedure=procedure,
            external_ref=external_ref,
            code=code or _new_code(),
        )
        audit_record(
            actor=actor,
            action="feedback.point_created",
            target=point,
            after={"kind": kind, "name": point.name, "code": point.code},
        )
    return point


def review_point_for_procedure(*, procedure: Procedure) -> ReviewPoint:
    """The procedure's review point, made on first use (every procedure can be reviewed)."""
    point = ReviewPoint.objects.filter(procedure=procedure).first()
    if point is not None:
        return point
    try:
        with transaction.atomic():
            return ReviewPoint.objects.create(
                organization_id=procedure.organization_id,
                department_id=procedure.department_id,
                kind=PointKind.PROCEDURE,
                name=procedure.title,
                procedure=procedure,
                code=_new_code(),
            )
    except IntegrityError:  # made meanwhile by another request
        return ReviewPoint.objects.get(procedure=procedure)


def _number(value: Any, *, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = value
    else:
        number = int(unicodedata.normalize("NFKC", str(value)).strip())  # full-width digits too
    if not low <= number <= high:
        raise ValueError
    return number


def review_submit(
    *,
    point: ReviewPoint,
    satisfaction: Any,
    nps: Any = None,
    difficulties: Iterable[str] = (),
    comment: str = "",
    channel: str = ReviewChannel.POSTER,
    visit: Visit | None = None,
    nonce: str | None = None,
    browser: str = "",
    address: str = "",
) -> tuple[Review, bool]:
    """Store one anonymous review. Returns ``(review, created)``.

    A handful of statements and no shared lock (a review at one counter never waits for
    another counter): the settings row read, one INSERT; a repeated ``nonce`` returns the
    review already stored; a ``visit`` already reviewed is refused (409).
    """
    if not point.is_active:
        raise DomainError(_("この窓口のアンケートは現在受け付けていません。"), code="closed")
    settings = feedback_settings_of(organization=point.organization)
    errors: dict[str, list[str]] = {}
    try:
        satisfaction_value = _number(satisfaction, low=1, high=5)
        if satisfaction_value is None:
            errors["satisfaction"] = [_("満足度を選んでください。")]
    except ValueError:
        errors["satisfaction"] = [_("満足度は 1 から 5 の中から選んでください。")]
    nps_value = None
    try:
        nps_value = _number(nps, low=0, high=10)
    except ValueError:
        errors["nps"] = [_("おすすめ度は 0 から 10 の中から選んでください。")]
    allowed = {d["key"] for d in settings.difficulties}
    chosen = list(dict.fromkeys(str(d) for d in difficulties))
    if any(d not in allowed for d in chosen):
        errors["difficulties"] = [_("「困ったこと」は一覧の中から選んでください。")]
    if len(sanitize(comment, max_length=10_000)) > 1000:
        errors["comment"] = [_("ご意見は1000文字以内でお書きください。")]
    if errors or satisfaction_value is None:
        raise FieldErrors(errors)

    if nonce:
        existing = Review.objects.filter(nonce=nonce).first()
        if existing is not None:
            return existing, False
    if visit is not None and Review.objects.filter(visit_digest=visit.digest).exists():
        raise DomainError(
            _("この手続・ご来庁についてのご意見は、すでにいただいています。"), code="already_reviewed"
        )
    if address and ratelimit.address_over_limit(point_code=point.code, address=address):
        raise TooManyReviews(_("短い時間に多くの回答がありました。しばらくしてからお試しください。"))
    held = ratelimit.browser_over_limit(point_code=point.code, browser=browser)

    cleaned = clean_comment(comment)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                point=point,
                organization_id_copy=point.organization_id,
                satisfaction=satisfaction_value,
                nps=nps_value if settings.ask_nps else None,
                difficulties=chosen,
                comment=cleaned.text,
                masked=cleaned.masked,
                channel=channel,
                visit_digest=visit.digest if visit is not None else None,
                nonce=nonce or None,
                held=held,
            )
    except IntegrityError:
        # the same nonce or visit, stored by a concurrent request a moment ago
        if nonce:
            existing = Review.objects.filter(nonce=nonce).first()
            if existing is not None:
                return existing, False
        raise DomainError(
            _("この手続・ご来庁についてのご意見は、すでにいただいています。"), code="already_reviewed"
        ) from None
    return review, True


def review_release(*, actor: User, review: Review) -> Review:
    """Count a held review after all (a member of staff looked at it)."""
    with transaction.atomic():
        Review.objects.filter(pk=review.pk).update(held=False)
        audit_record(actor=actor, action="feedback.review_released", target=review)
    review.held = False
    return review


def review_point_set_active(*, actor: User, point: ReviewPoint, active: bool) -> ReviewPoint:
    """Stop (or restart) taking reviews at a point, e.g. a counter that closed."""
    with transaction.atomic():
        ReviewPoint.objects.filter(pk=point.pk).update(is_active=active)
        audit_record(
            actor=actor, action="feedback.point_active" if active else "feedback.point_closed", target=point
        )
    point.is_active = active
    return point


def response_note_publish(*, actor: User, point: ReviewPoint, body: str) -> ResponseNote:
    text = sanitize(body, max_length=2000)
    if not text:
        raise FieldErrors({"body": [_("ご意見への対応を入力してください。")]})
    with transaction.atomic():
        note = ResponseNote.objects.create(point=point, body=text, author=actor)
        audit_record(actor=actor, action="feedback.note_published", target=point, after={"note": note.pk})
    return note


def feedback_settings_update(
    *, actor: User, organization: Organization, ask_nps: bool, difficulties_text: str, intro: str
) -> FeedbackSettings:
    """``difficulties_text``: one choice a line, ``key: label`` (a line without a key gets one)."""
    choices: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, raw in enumerate(sanitize(difficulties_text, max_length=4000).splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        key, sep, label = line.partition(":")
        if not sep:
            key, label = f"c{number}", line
        label, _bar, label_en = label.partition("|")
        key, label, label_en = key.strip(), label.strip(), label_en.strip()
        if (
            not key
            or not label
            or key in seen
            or len(label) > 60
            or len(label_en) > 80
            or not key.replace("_", "").isalnum()
        ):
            raise FieldErrors(
                {
                    "difficulties": [
                        _("%(n)s 行目の書き方を確かめてください（例: waiting: 待ち時間が長い）。")
                        % {"n": number}
                    ]
                }
            )
        seen.add(key)
        choices.append({"key": key, "label": label, **({"label_en": label_en} if label_en else {})})
    if not choices:
        raise FieldErrors({"difficulties": [_("選択肢を1つ以上入力してください。")]})
    if len(choices) > 12:
        raise FieldErrors({"difficulties": [_("選択肢は12個までにしてください。")]})
    with transaction.atomic():
        settings = feedback_settings_of(organization=organization)
        before = {"ask_nps": settings.ask_nps, "difficulties": settings.difficulties, "intro": settings.intro}
        settings.ask_nps = ask_nps
        settings.difficulties = choices
        settings.intro = sanitize(intro, max_length=300)
        settings.save(update_fields=["ask_nps", "difficulties", "intro", "updated_at"])
        audit_record(
            actor=actor,
            action="feedback.settings_updated",
            target=organization,
            before=before,
            after={"ask_nps": ask_nps, "difficulties": choices, "intro": settings.intro},
        )
    return settings
