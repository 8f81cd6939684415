"""FAQ files imported in bulk (``madoguchi faq import``, the demo), and the default organization."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from madoguchi.accounts.constants import OrganizationKind
from madoguchi.accounts.models import Organization
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.knowledge import placeholders
from madoguchi.knowledge.constants import DEFAULT_ORGANIZATION_SLUG, DocType, Visibility
from madoguchi.knowledge.models import FaqEntry
from madoguchi.knowledge.search.indexing import search_index_faqs, search_remove
from madoguchi.knowledge.services.faqs import FAQ_FIELDS, clean_faq, faq_revision_record
from madoguchi.knowledge.services.permissions import Actor


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


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)
    # rows whose template placeholders were filled in, and rows skipped for the ones left
    filled: int = 0
    skipped: list[tuple[int, list[str]]] = field(default_factory=list)
    skipped_for_placeholders: int = 0  # len(skipped), so a summary of the int fields shows it
    # entries imported before from rows now skipped: archived (no longer shown)
    archived: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _question_key(question: str) -> str:
    return " ".join((question or "").split())


def faq_import(
    *,
    organization: Organization,
    actor: Actor,
    rows: Iterable[tuple[int, dict[str, Any]]],
    attribution: str = "",
    default_visibility: str = Visibility.PUBLIC,
    fills: dict[str, str] | None = None,
    keep_placeholders: bool = False,
) -> ImportReport:
    """Create or update FAQ entries from ``(row number, row)`` pairs; a bad row is reported and skipped.

    Importing the same file again changes nothing: a row with an ``id``/``faq_id`` updates the
    entry imported before with that id, a row without one the entry with the identical question;
    rows that match and did not change count as unchanged. Template placeholders (「○○市」
    「（電話番号）」) are filled from ``fills``; a row with placeholders left is skipped and reported
    (an entry imported from it before is archived), unless ``keep_placeholders``.
    """
    report = ImportReport()
    touched: list[FaqEntry] = []
    with transaction.atomic():
        entries = list(FaqEntry.objects.filter(organization=organization))
        by_ref = {f.source_ref: f for f in entries if f.source_ref}
        by_question = {_question_key(f.question): f for f in entries if not f.source_ref}
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
            existing = by_ref.get(source_ref) if source_ref else None
            if not keep_placeholders:
                texts = {k: str(data[k] or "") for k in ("question", "answer")}
                filled = {k: placeholders.fill(v, fills or {}) for k, v in texts.items()}
                left = placeholders.find(filled["question"] + "\n" + filled["answer"])
                if left:
                    report.skipped.append((number, left))
                    report.skipped_for_placeholders += 1
                    if existing is not None and not existing.is_archived:
                        existing.is_archived = True
                        existing.save(update_fields=["is_archived", "updated_at"])
                        search_remove(doc_type=DocType.FAQ, object_id=existing.pk)
                        report.archived += 1
                    continue
                report.filled += int(filled != texts)
                data.update(filled)
            try:
                data = clean_faq(data)
            except FieldErrors as exc:
                report.errors.append((number, exc.as_dict()))
                continue
            faq = existing if source_ref else by_question.get(_question_key(data["question"]))
            if faq is None:
                faq = FaqEntry.objects.create(
                    organization=organization,
                    source_ref=source_ref,
                    attribution=row.get("attribution") or attribution,
                    **{k: data[k] for k in FAQ_FIELDS},
                )
                faq_revision_record(faq=faq, actor=actor)
                if source_ref:
                    by_ref[source_ref] = faq
                else:
                    by_question[_question_key(faq.question)] = faq
                report.created += 1
                touched.append(faq)
            elif any(getattr(faq, k) != data[k] for k in FAQ_FIELDS) or faq.is_archived:
                for key in FAQ_FIELDS:
                    setattr(faq, key, data[key])
                faq.is_archived = False
                faq.version += 1
                faq.save(update_fields=[*FAQ_FIELDS, "version", "is_archived", "updated_at"])
                faq_revision_record(faq=faq, actor=actor)
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
                "skipped_placeholders": len(report.skipped),
                "archived": report.archived,
            },
        )
        search_index_faqs(faqs=touched)
    return report
