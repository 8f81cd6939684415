"""Reads of the knowledge app, one module per concern.

``access`` (who may see what: the viewer's organizations), ``search`` (the site search, its
semantic stage and the synonyms), ``faqs`` (FAQ pages and the staff's lists), ``notices``
(お知らせ), ``inquiries`` (お問い合わせ for staff), ``logs`` (reports from the query logs).
Every public name is re-exported here, so callers write ``selectors.site_search(...)``.
"""

from __future__ import annotations

from madoguchi.knowledge.selectors.access import (
    Actor,
    Viewer,
    can_write_notices,
    contact_organization,
    is_member,
    notice_organization_ids,
    notice_organizations,
    organization_by_slug,
    organization_names,
    signed_in_user,
    staff_organization_ids,
    staff_organizations,
)
from madoguchi.knowledge.selectors.faqs import (
    access_faq,
    access_staff_faq,
    faq_categories,
    faq_list,
    faq_list_for_procedure,
    faq_related_procedures,
    faq_staff_recent,
    faq_visible_q,
    faqs_due_for_review,
    faqs_visible_by_id,
    procedures_of,
)
from madoguchi.knowledge.selectors.inquiries import (
    access_staff_inquiry,
    inquiry_counts,
    inquiry_list,
    inquiry_queue,
)
from madoguchi.knowledge.selectors.logs import (
    low_click_queries,
    unanswered_chat_questions,
    zero_result_queries,
)
from madoguchi.knowledge.selectors.notices import (
    access_staff_notice,
    notice_access,
    notice_staff_list,
)
from madoguchi.knowledge.selectors.search import (
    MAX_LIMIT,
    SearchPage,
    SearchResult,
    items_found,
    nearest_faqs_for_queries,
    search_hits,
    search_procedure_hits,
    search_state,
    search_types,
    semantic_neighbours,
    site_search,
    synonym_staff_list,
    type_label,
)

__all__ = [
    "Actor",
    "MAX_LIMIT",
    "SearchPage",
    "SearchResult",
    "Viewer",
    "access_faq",
    "access_staff_faq",
    "access_staff_inquiry",
    "access_staff_notice",
    "can_write_notices",
    "contact_organization",
    "faq_categories",
    "faq_list",
    "faq_list_for_procedure",
    "faq_related_procedures",
    "faq_staff_recent",
    "faq_visible_q",
    "faqs_due_for_review",
    "faqs_visible_by_id",
    "inquiry_counts",
    "inquiry_list",
    "inquiry_queue",
    "is_member",
    "items_found",
    "low_click_queries",
    "nearest_faqs_for_queries",
    "notice_access",
    "notice_organization_ids",
    "notice_organizations",
    "notice_staff_list",
    "organization_by_slug",
    "organization_names",
    "procedures_of",
    "search_hits",
    "search_procedure_hits",
    "search_state",
    "search_types",
    "semantic_neighbours",
    "signed_in_user",
    "site_search",
    "staff_organization_ids",
    "staff_organizations",
    "synonym_staff_list",
    "type_label",
    "unanswered_chat_questions",
    "zero_result_queries",
]
