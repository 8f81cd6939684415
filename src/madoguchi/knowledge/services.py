"""Writes of the knowledge app: FAQ, notices, synonyms, the search index, logs, inquiries.

Every content change re-indexes the changed item in the same transaction (service-level,
no signals) and moves the index version, so every web process sees it on its next query.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import OrganizationKind
from madoguchi.accounts.models import Organization
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.knowledge.constants import (
    DEFAULT_ORGANIZATION_SLUG,
    NOTICE_ROLES,
    DocType,
    InquiryStatus,
    QuerySource,
    Visibility,
)
from madoguchi.knowledge.models import (
    FaqEntry,
    FaqRevision,
    Inquiry,
    Notice,
    SearchDocument,
    SearchIndexState,
    SearchQueryLog,
    Synonym,
)
from madoguchi.knowledge.sanitize import html_to_text, sanitize_answer
from madoguchi.knowledge.search.index import analyse

FAQ_FIELDS = ("question", "answer", "category", "subcategory", "keywords", "visibility", "review_on")


# --- permissions --------------------------------------------------------------------------
def is_member(user: Any, organization: Organization) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or user.memberships.filter(organization=organization).exists())
    )


def check_member(user: Any, organization: Organization) -> None:
    if not is_member(user, organization):
        raise PermissionDeniedError(_("この団体の職員だけが操作できます。"))


# --- organizations ------------------------------------------------------------------------
def organization_get_default() -> Organization:
    """The organization FAQ imports go to when none is named: "default", else the first one."""
    organization = Organization.objects.filter(slug=DEFAULT_ORGANIZATION_SLUG).first()
    if organization is None:
        organization = Organization.objects.order_by("id").first()
    if organization is None:
        organization = Organization.objects.create(
            slug=DEFAULT_ORGANIZATION_SLUG,
            name="既定の団体",
            kind=OrganizationKind.MUNICIPALITY,
            reference_prefix="DEF",
        )
    return organization


# --- FAQ ---------------------------------------------------------------------------------
def _clean_faq(data: dict[str, Any]) -> dict[str, Any]:
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


def _revision(faq: FaqEntry, actor: Any) -> None:
    FaqRevision.objects.create(
        faq=faq,
        version=faq.version,
        question=faq.question,
        answer=faq.answer,
        category=faq.category,
        keywords=faq.keywords,
        visibility=faq.visibility,
        edited_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def faq_create(
    *,
    organization: Organization,
    actor: Any,
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
    data = _clean_faq(
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
        _revision(faq, actor)
        audit_record(actor=actor, action="faq.created", target=faq, after={"question": faq.question})
        search_index_faq(faq=faq)
    return faq


def faq_update(*, faq: FaqEntry, actor: Any, check_permission: bool = True, **changes: Any) -> FaqEntry:
    """Save an edit as a new version (the previous one stays in FaqRevision)."""
    if check_permission:
        check_member(actor, faq.organization)
    related = changes.pop("related_procedures", None)
    current = {k: getattr(faq, k) for k in FAQ_FIELDS}
    merged = {**current, **{k: v for k, v in changes.items() if k in FAQ_FIELDS}}
    data = _clean_faq(merged)
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
        _revision(faq, actor)
        audit_record(
            actor=actor,
            action="faq.updated",
            target=faq,
            before={k: before[k] for k in changed},
            after={k: str(getattr(faq, k)) for k in changed},
        )
        search_index_faq(faq=faq)
    return faq


def faq_archive(*, faq: FaqEntry, actor: Any) -> FaqEntry:
    check_member(actor, faq.organization)
    with transaction.atomic():
        faq.is_archived = True
        faq.save(update_fields=["is_archived", "updated_at"])
        audit_record(actor=actor, action="faq.archived", target=faq)
        search_remove(doc_type=DocType.FAQ, object_id=faq.pk)
    return faq


# --- import ------------------------------------------------------------------------------
@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def faq_import(
    *,
    organization: Organization,
    actor: Any,
    rows: Iterable[tuple[int, dict[str, Any]]],
    attribution: str = "",
    default_visibility: str = Visibility.PUBLIC,
) -> ImportReport:
    """Create or update FAQ entries from ``(row number, row)`` pairs; a bad row is reported and skipped.

    A row with an ``id``/``faq_id`` updates the entry imported before with the same id, so the
    same file can be imported again after corrections.
    """
    report = ImportReport()
    touched: list[FaqEntry] = []
    with transaction.atomic():
        existing = {
            f.source_ref: f for f in FaqEntry.objects.filter(organization=organization).exclude(source_ref="")
        }
        for number, row in rows:
            data = {
                "question": row.get("question"),
                "answer": row.get("answer"),
                "category": row.get("category") or row.get("category1") or "",
                "subcategory": row.get("subcategory") or row.get("category2") or "",
                "keywords": row.get("keywords") or row.get("service_name") or "",
                "visibility": row.get("visibility") or default_visibility,
                "review_on": row.get("review_on") or None,
            }
            source_ref = str(row.get("faq_id") or row.get("id") or "").strip()
            try:
                data = _clean_faq(data)
            except FieldErrors as exc:
                report.errors.append((number, exc.as_dict()))
                continue
            faq = existing.get(source_ref) if source_ref else None
            if faq is None:
                faq = FaqEntry.objects.create(
                    organization=organization,
                    source_ref=source_ref,
                    attribution=row.get("attribution") or attribution,
                    **{k: data[k] for k in FAQ_FIELDS},
                )
                _revision(faq, actor)
                if source_ref:
                    existing[source_ref] = faq
                report.created += 1
                touched.append(faq)
            elif any(getattr(faq, k) != data[k] for k in FAQ_FIELDS) or faq.is_archived:
                for key in FAQ_FIELDS:
                    setattr(faq, key, data[key])
                faq.is_archived = False
                faq.version += 1
                faq.save(update_fields=[*FAQ_FIELDS, "version", "is_archived", "updated_at"])
                _revision(faq, actor)
                report.updated += 1
                touched.append(faq)
            else:
                report.unchanged += 1
        audit_record(
            actor=actor,
            action="faq.imported",
            target=organization,
            after={
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "errors": len(report.errors),
            },
        )
        _index_many(_faq_document(f) for f in touched)
    return report


# --- notices -----------------------------------------------------------------------------
NOTICE_FIELDS = ("title", "body", "visibility")


def can_write_notices(user: Any, organization: Organization) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (
            user.is_superuser
            or user.memberships.filter(organization=organization, role__in=NOTICE_ROLES).exists()
        )
    )


def check_notice_writer(user: Any, organization: Organization) -> None:
    if not can_write_notices(user, organization):
        raise PermissionDeniedError(_("この団体のお知らせを書けるのは、手続所管と管理者の職員です。"))


def _clean_notice(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = str(data.get("title") or "").strip()
    body = str(data.get("body") or "").strip()
    visibility = str(data.get("visibility") or Visibility.PUBLIC).strip()
    if not title:
        errors["title"] = [_("件名を入力してください。")]
    elif len(title) > 200:
        errors["title"] = [_("件名は200文字以内で入力してください。")]
    if not body:
        errors["body"] = [_("本文を入力してください。")]
    elif len(body) > 20000:
        errors["body"] = [_("本文は20,000文字以内で入力してください。")]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("公開範囲を選んでください。")]
    if errors:
        raise FieldErrors(errors)
    return {"title": title, "body": body, "visibility": visibility}


def notice_create(
    *,
    organization: Organization,
    actor: Any,
    title: str,
    body: str,
    visibility: str = Visibility.PUBLIC,
    publish: bool = True,
    published_at=None,
    check_permission: bool = True,
) -> Notice:
    """A new notice: published at once (or at ``published_at``), or kept as a draft."""
    if check_permission:
        check_notice_writer(actor, organization)
    data = _clean_notice({"title": title, "body": body, "visibility": visibility})
    with transaction.atomic():
        notice = Notice.objects.create(
            organization=organization,
            published_at=(published_at or timezone.now()) if publish else None,
            **data,
        )
        audit_record(
            actor=actor,
            action="notice.created",
            target=notice,
            after={"title": notice.title, "published": notice.is_published},
        )
        search_index_notice(notice=notice)
    return notice


def notice_update(*, notice: Notice, actor: Any, **changes: Any) -> Notice:
    """Save an edit; a published notice stays published and is re-indexed at once."""
    check_notice_writer(actor, notice.organization)
    current = {k: getattr(notice, k) for k in NOTICE_FIELDS}
    data = _clean_notice({**current, **{k: v for k, v in changes.items() if k in NOTICE_FIELDS}})
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("organization").get(pk=notice.pk)
        changed = [k for k in NOTICE_FIELDS if getattr(notice, k) != data[k]]
        if not changed:
            return notice
        before = {k: getattr(notice, k) for k in changed}
        for key in changed:
            setattr(notice, key, data[key])
        notice.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="notice.updated",
            target=notice,
            before=before,
            after={k: data[k] for k in changed},
        )
        search_index_notice(notice=notice)
    return notice


def notice_publish(*, notice: Notice, actor: Any) -> Notice:
    """Show the notice from now on (on its page, in search and the API)."""
    check_notice_writer(actor, notice.organization)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("organization").get(pk=notice.pk)
        if notice.published_at is not None and notice.published_at <= timezone.now():
            return notice
        before = notice.published_at
        notice.published_at = timezone.now()
        notice.save(update_fields=["published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="notice.published",
            target=notice,
            before={"published_at": before.isoformat() if before else None},
            after={"published_at": notice.published_at.isoformat()},
        )
        search_index_notice(notice=notice)
    return notice


def notice_unpublish(*, notice: Notice, actor: Any) -> Notice:
    """Take the notice down: its page answers 404 and search no longer finds it."""
    check_notice_writer(actor, notice.organization)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("organization").get(pk=notice.pk)
        if notice.published_at is None:
            return notice
        before = notice.published_at
        notice.published_at = None
        notice.save(update_fields=["published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="notice.unpublished",
            target=notice,
            before={"published_at": before.isoformat()},
            after={"published_at": None},
        )
        search_remove(doc_type=DocType.NOTICE, object_id=notice.pk)
    return notice


def notice_delete(*, notice: Notice, actor: Any) -> None:
    check_notice_writer(actor, notice.organization)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="notice.deleted",
            target=notice,
            before={"title": notice.title, "published": notice.is_published},
        )
        search_remove(doc_type=DocType.NOTICE, object_id=notice.pk)
        notice.delete()


# --- synonyms ----------------------------------------------------------------------------
def synonym_create(
    *, organization: Organization, actor: Any, words: str, bidirectional: bool = True
) -> Synonym:
    from madoguchi.knowledge.search.synonyms import split_words

    check_member(actor, organization)
    parts = split_words(words)
    if len(parts) < 2:
        raise FieldErrors({"words": [_("言葉を2つ以上、カンマまたは読点で区切って入力してください。")]})
    if any(len(p) > 50 for p in parts):
        raise FieldErrors({"words": [_("1つの言葉は50文字以内にしてください。")]})
    with transaction.atomic():
        synonym = Synonym.objects.create(
            organization=organization, words=", ".join(parts), bidirectional=bidirectional
        )
        audit_record(actor=actor, action="synonym.created", target=synonym, after={"words": synonym.words})
        _bump_synonyms()
    return synonym


def synonym_delete(*, synonym: Synonym, actor: Any) -> None:
    if synonym.organization is None:
        raise PermissionDeniedError(_("共通の言い換えは管理者だけが削除できます。"))
    check_member(actor, synonym.organization)
    with transaction.atomic():
        audit_record(actor=actor, action="synonym.deleted", target=synonym, before={"words": synonym.words})
        synonym.delete()
        _bump_synonyms()


def _state_for_update() -> SearchIndexState:
    state, _created = SearchIndexState.objects.select_for_update().get_or_create(
        id=1, defaults={"generation": secrets.token_hex(8)}
    )
    return state


def _bump_synonyms() -> None:
    state = _state_for_update()
    state.synonyms_version += 1
    state.save(update_fields=["synonyms_version"])


# --- search index ------------------------------------------------------------------------
@dataclass
class _Doc:
    doc_type: str
    object_id: int
    organization_id: int | None
    visibility: str
    title: str
    body: str
    url: str
    keywords: str
    searchable: bool = True


def _faq_document(faq: FaqEntry) -> _Doc:
    keywords = " ".join(x for x in (faq.category, faq.subcategory, faq.keywords) if x)
    return _Doc(
        doc_type=DocType.FAQ,
        object_id=faq.pk,
        organization_id=faq.organization_id,
        visibility=faq.visibility,
        title=faq.question,
        body=html_to_text(faq.answer),
        url=reverse("knowledge:faq_detail", args=[faq.pk]),
        keywords=keywords,
        searchable=not faq.is_archived,
    )


def procedure_url(procedure: Any) -> str:
    """The public page of a procedure, whatever name the procedures app gives it."""
    candidates = [
        ("procedures:detail", {"organization": procedure.organization.slug, "slug": procedure.slug}),
        ("procedures:detail", {"org": procedure.organization.slug, "slug": procedure.slug}),
        ("procedures:detail", {"procedure_id": procedure.pk}),
        ("procedures:detail", {"pk": procedure.pk}),
        ("procedures:procedure", {"organization": procedure.organization.slug, "slug": procedure.slug}),
    ]
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    try:
        return reverse("procedures:catalog") + f"#procedure-{procedure.pk}"
    except NoReverseMatch:
        return f"/#procedure-{procedure.pk}"


def _procedure_document(procedure: Any) -> _Doc:
    searchable = bool(procedure.is_public and procedure.current_version_id)
    return _Doc(
        doc_type=DocType.PROCEDURE,
        object_id=procedure.pk,
        organization_id=procedure.organization_id,
        visibility=Visibility.PUBLIC,
        title=procedure.title,
        body="\n".join(x for x in (procedure.summary, procedure.description) if x),
        url=procedure_url(procedure) if searchable else "",
        keywords=" ".join(x for x in (procedure.keywords, procedure.get_category_display()) if x),
        searchable=searchable,
    )


def _notice_document(notice: Notice) -> _Doc:
    return _Doc(
        doc_type=DocType.NOTICE,
        object_id=notice.pk,
        organization_id=notice.organization_id,
        visibility=notice.visibility,
        title=notice.title,
        body=notice.body,
        url=reverse("knowledge:notice_detail", args=[notice.pk]),
        keywords="",
        searchable=notice.published_at is not None and notice.published_at <= timezone.now(),
    )


def _index_many(docs: Iterable[_Doc]) -> int:
    """Write documents under one new index version. Call inside a transaction."""
    docs = list(docs)
    if not docs:
        return 0
    with transaction.atomic():
        state = _state_for_update()
        state.version += 1
        state.save(update_fields=["version"])
        for doc in docs:
            defaults = {
                "organization_id": doc.organization_id,
                "visibility": doc.visibility,
                "title": doc.title[:500],
                "body": doc.body,
                "url": doc.url[:500],
                "version": state.version,
                "is_deleted": not doc.searchable,
                "features": (
                    analyse(title=doc.title, body=doc.body, keywords=doc.keywords) if doc.searchable else {}
                ),
            }
            SearchDocument.objects.update_or_create(
                doc_type=doc.doc_type, object_id=doc.object_id, defaults=defaults
            )
    return len(docs)


def search_index_faq(*, faq: FaqEntry) -> None:
    _index_many([_faq_document(faq)])


def search_index_procedure(*, procedure: Any) -> None:
    """Call from procedure services after a procedure is created, published, edited or hidden."""
    _index_many([_procedure_document(procedure)])


def search_index_notice(*, notice: Notice) -> None:
    _index_many([_notice_document(notice)])


PROCEDURE_SYNC_OVERLAP = timedelta(minutes=5)


def search_sync_procedures() -> int:
    """Index procedures changed since the last sync (procedure services may also call
    ``search_index_procedure`` directly). Overlaps the previous window by a few minutes so a
    change committed late is not missed; re-indexing a procedure twice is harmless."""
    from madoguchi.procedures.models import Procedure

    now = timezone.now()
    with transaction.atomic():
        state = _state_for_update()
        since = state.procedures_synced_at
        procedures = Procedure.objects.select_related("organization")
        if since is not None:
            procedures = procedures.filter(updated_at__gt=since - PROCEDURE_SYNC_OVERLAP)
        docs = [_procedure_document(p) for p in procedures]
        state.procedures_synced_at = now
        state.save(update_fields=["procedures_synced_at"])
        _index_many(docs)
    return len(docs)


def search_remove(*, doc_type: str, object_id: int) -> None:
    with transaction.atomic():
        state = _state_for_update()
        state.version += 1
        state.save(update_fields=["version"])
        SearchDocument.objects.filter(doc_type=doc_type, object_id=object_id).update(
            is_deleted=True, version=state.version, features={}
        )


def search_rebuild() -> dict[str, int]:
    """Re-analyse every FAQ, procedure and notice; every process then reloads its index."""
    from madoguchi.procedures.models import Procedure

    counts = {"faq": 0, "procedure": 0, "notice": 0}
    with transaction.atomic():
        docs: list[_Doc] = []
        for faq in FaqEntry.objects.filter(is_archived=False).iterator(chunk_size=500):
            docs.append(_faq_document(faq))
            counts["faq"] += 1
        for procedure in Procedure.objects.select_related("organization").iterator(chunk_size=500):
            doc = _procedure_document(procedure)
            docs.append(doc)
            counts["procedure"] += int(doc.searchable)
        for notice in Notice.objects.iterator(chunk_size=500):
            doc = _notice_document(notice)
            docs.append(doc)
            counts["notice"] += int(doc.searchable)
        SearchDocument.objects.all().delete()
        state = _state_for_update()
        state.version += 1
        state.generation = secrets.token_hex(8)
        state.procedures_synced_at = timezone.now()
        state.save(update_fields=["version", "generation", "procedures_synced_at"])
        SearchDocument.objects.bulk_create(
            [
                SearchDocument(
                    doc_type=doc.doc_type,
                    object_id=doc.object_id,
                    organization_id=doc.organization_id,
                    visibility=doc.visibility,
                    title=doc.title[:500],
                    body=doc.body,
                    url=doc.url[:500],
                    version=state.version,
                    is_deleted=False,
                    features=analyse(title=doc.title, body=doc.body, keywords=doc.keywords),
                )
                for doc in docs
                if doc.searchable
            ],
            batch_size=500,
        )
        audit_record(actor="system", action="search.rebuilt", target=state, after=counts)
    return counts


# --- query logs (no personal data) -------------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\-\s()]{6,}\d")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def scrub_query(text: str) -> str:
    """Drop e-mail addresses, phone numbers and every digit (マイナンバー, dates of birth...)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text or "")
    text = _EMAIL.sub("", text)
    text = _PHONE.sub("", text)
    text = _DIGITS.sub("", text)
    return _SPACES.sub(" ", text).strip()[:100]


def search_log_query(
    *, query: str, result_count: int, source: str = QuerySource.SEARCH, scope: str = ""
) -> int | None:
    """Count a search (and whether it found nothing). Returns the log row id for click tracking."""
    cleaned = scrub_query(query)
    if not cleaned:
        return None
    today = timezone.localdate()
    with transaction.atomic():
        log, _created = SearchQueryLog.objects.get_or_create(
            day=today, source=source, scope=scope, query=cleaned
        )
        SearchQueryLog.objects.filter(pk=log.pk).update(
            searches=F("searches") + 1, zero_results=F("zero_results") + (1 if result_count == 0 else 0)
        )
    return log.pk


def search_log_click(*, log_id: int) -> None:
    SearchQueryLog.objects.filter(pk=log_id).update(clicks=F("clicks") + 1)


def chat_log_unanswered(*, query: str, scope: str = "") -> None:
    cleaned = scrub_query(query)
    if not cleaned:
        return
    with transaction.atomic():
        log, _created = SearchQueryLog.objects.get_or_create(
            day=timezone.localdate(), source=QuerySource.CHAT, scope=scope, query=cleaned
        )
        SearchQueryLog.objects.filter(pk=log.pk).update(unanswered=F("unanswered") + 1)


# --- inquiries ---------------------------------------------------------------------------
def inquiry_create(
    *, organization: Organization, name: str, email: str, body: str, conversation: str = ""
) -> Inquiry:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

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


def inquiry_set_status(*, inquiry: Inquiry, actor: Any, status: str) -> Inquiry:
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
