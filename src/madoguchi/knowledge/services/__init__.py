"""Writes of the knowledge app, one module per concern.

``faqs`` (create, edit as a new version, archive), ``imports`` (FAQ files), ``notices``
(お知らせ), ``synonyms`` (the organization's dictionary entries), ``inquiries`` (お問い合わせ),
``logs`` (query logs without personal data). Writing the search index is the search package's
job (``knowledge/search/indexing.py``); the services call it in the same transaction.
Every public function is re-exported here, so callers write ``services.faq_create(...)``.
"""

from madoguchi.knowledge.services.faqs import FAQ_FIELDS, clean_faq, faq_archive, faq_create, faq_update
from madoguchi.knowledge.services.imports import ImportReport, faq_import, organization_get_default
from madoguchi.knowledge.services.inquiries import inquiry_answer, inquiry_create, inquiry_set_status
from madoguchi.knowledge.services.logs import (
    chat_log_unanswered,
    scrub_query,
    search_log_click,
    search_log_query,
)
from madoguchi.knowledge.services.notices import (
    NOTICE_FIELDS,
    clean_notice,
    notice_create,
    notice_delete,
    notice_publish,
    notice_unpublish,
    notice_update,
)
from madoguchi.knowledge.services.permissions import Actor, check_member, check_notice_writer
from madoguchi.knowledge.services.synonyms import synonym_create, synonym_delete

__all__ = [
    "FAQ_FIELDS",
    "NOTICE_FIELDS",
    "Actor",
    "ImportReport",
    "chat_log_unanswered",
    "check_member",
    "check_notice_writer",
    "clean_faq",
    "clean_notice",
    "faq_archive",
    "faq_create",
    "faq_import",
    "faq_update",
    "inquiry_answer",
    "inquiry_create",
    "inquiry_set_status",
    "notice_create",
    "notice_delete",
    "notice_publish",
    "notice_unpublish",
    "notice_update",
    "organization_get_default",
    "scrub_query",
    "search_log_click",
    "search_log_query",
    "synonym_create",
    "synonym_delete",
]
