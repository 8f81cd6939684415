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
from madoguchi.knowledge.constants import DEFAULT_ORGANIZATION_SLUG, Visibility
from madoguchi.knowledge.models import FaqEntry
from madoguchi.knowledge.search.indexing import search_index_faqs
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

    @property
    def ok(self) -> bool:
        return not self.errors


def faq_import(
    *,
    organization: Organization,
    actor: Actor,
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
                data = clean_faq(data)
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
                faq_revision_record(faq=faq, actor=actor)
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
            },
        )
        search_index_faqs(faqs=touched)
    return report
