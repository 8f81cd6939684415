"""FAQ entries: create, edit (every save is a new version), archive."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.knowledge.constants import DocType, Visibility
from madoguchi.knowledge.models import FaqEntry, FaqRevision
from madoguchi.knowledge.sanitize import sanitize_answer
from madoguchi.knowledge.search.indexing import search_index_faq, search_remove
from madoguchi.knowledge.selectors import signed_in_user
from madoguchi.knowledge.services.permissions import Actor, check_member

FAQ_FIELDS = ("question", "answer", "category", "subcategory", "keywords", "visibility", "review_on")


def clean_faq(data: dict[str, Any]) -> dict[str, Any]:
    """The one place the rules of an FAQ entry live (forms and the importer only shape input)."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    question = str(data.get("question") or "").strip()
    answer = str(data.get("answer") or "").strip()
    if not question:
        errors.setdefault("question", []).append(_("質問を入力してください。"))
    elif len(question) > 500:
        errors.setdefault("question", []).append(_("質問は500文字以内で入力してください。"))
    if not answer:
        errors.setdefault("answer", []).append(_("回答を入力してください。"))
    elif len(answer) > 20000:
        errors.setdefault("answer", []).append(_("回答は20,000文字以内で入力してください。"))
    visibility = str(data.get("visibility") or Visibility.PUBLIC).strip()
    if visibility not in Visibility.values:
        errors.setdefault("visibility", []).append(
            _("公開範囲は public（一般公開）または staff（職員のみ）を指定してください。")
        )
    for key, limit in (("category", 100), ("subcategory", 100), ("keywords", 500)):
        if len(str(data.get(key) or "")) > limit:
            errors.setdefault(key, []).append(_("%(limit)s文字以内で入力してください。") % {"limit": limit})
    review_on = data.get("review_on")
    if isinstance(review_on, str):
        review_on = review_on.strip()
        if review_on:
            try:
                review_on = date.fromisoformat(review_on.replace("/", "-"))
            except ValueError:
                errors.setdefault("review_on", []).append(
                    _("見直し予定日は 2026-04-01 のように入力してください。")
                )
        else:
            review_on = None
    if errors:
        raise FieldErrors(errors)
    cleaned.update(
        question=question,
        answer=sanitize_answer(answer),
        visibility=visibility,
        review_on=review_on,
        category=str(data.get("category") or "").strip(),
        subcategory=str(data.get("subcategory") or "").strip(),
        keywords=str(data.get("keywords") or "").strip(),
    )
    return cleaned


def faq_revision_record(*, faq: FaqEntry, actor: Actor) -> FaqRevision:
    return FaqRevision.objects.create(
        faq=faq,
        version=faq.version,
        question=faq.question,
        answer=faq.answer,
        category=faq.category,
        keywords=faq.keywords,
        visibility=faq.visibility,
        edited_by=signed_in_user(actor),
    )


def faq_create(
    *,
    organization: Organization,
    actor: Actor,
    question: str,
    answer: str,
    category: str = "",
    subcategory: str = "",
    keywords: str = "",
    visibility: str = Visibility.PUBLIC,
    review_on: date | str | None = None,
    related_procedures: Iterable[Any] = (),
    source_ref: str = "",
    attribution: str = "",
    check_permission: bool = True,
) -> FaqEntry:
    if check_permission:
        check_member(actor, organization)
    data = clean_faq(
        {
            "question": question,
            "answer": answer,
            "category": category,
            "subcategory": subcategory,
            "keywords": keywords,
            "visibility": visibility,
            "review_on": review_on,
        }
    )
    with transaction.atomic():
        faq = FaqEntry.objects.create(
            organization=organization,
            source_ref=source_ref,
            attribution=attribution,
            **{k: data[k] for k in FAQ_FIELDS},
        )
        if related_procedures:
            faq.related_procedures.set(list(related_procedures))
        faq_revision_record(faq=faq, actor=actor)
        audit_record(actor=actor, action="faq.created", target=faq, after={"question": faq.question})
        search_index_faq(faq=faq)
    return faq


def faq_update(*, faq: FaqEntry, actor: Actor, check_permission: bool = True, **changes: Any) -> FaqEntry:
    """Save an edit as a new version (the previous one stays in FaqRevision)."""
    if check_permission:
        check_member(actor, faq.organization)
    related = changes.pop("related_procedures", None)
    current = {k: getattr(faq, k) for k in FAQ_FIELDS}
    merged = {**current, **{k: v for k, v in changes.items() if k in FAQ_FIELDS}}
    data = clean_faq(merged)
    with transaction.atomic():
        faq = FaqEntry.objects.select_for_update().get(pk=faq.pk)
        before = {k: str(getattr(faq, k)) for k in FAQ_FIELDS}
        changed = [k for k in FAQ_FIELDS if getattr(faq, k) != data[k]]
        related_changed = related is not None and set(
            faq.related_procedures.values_list("pk", flat=True)
        ) != {getattr(p, "pk", p) for p in related}
        if not changed and not related_changed:
            return faq
        for key in FAQ_FIELDS:
            setattr(faq, key, data[key])
        faq.version = F("version") + 1
        faq.save(update_fields=[*FAQ_FIELDS, "version", "updated_at"])
        faq.refresh_from_db(fields=["version"])
        if related is not None:
            faq.related_procedures.set(list(related))
        faq_revision_record(faq=faq, actor=actor)
        audit_record(
            actor=actor,
            action="faq.updated",
            target=faq,
            before={k: before[k] for k in changed},
            after={k: str(getattr(faq, k)) for k in changed},
        )
        search_index_faq(faq=faq)
    return faq


def faq_archive(*, faq: FaqEntry, actor: Actor) -> FaqEntry:
    check_member(actor, faq.organization)
    with transaction.atomic():
        faq.is_archived = True
        faq.save(update_fields=["is_archived", "updated_at"])
        audit_record(actor=actor, action="faq.archived", target=faq)
        search_remove(doc_type=DocType.FAQ, object_id=faq.pk)
    return faq
