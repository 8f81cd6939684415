"""FAQ entries, notices, the search index tables, query logs and inquiries.

The search index lives in ordinary tables (``SearchDocument`` + ``SearchIndexState``) so it
works on SQLite and PostgreSQL and with any number of stateless web processes: each process
keeps an in-memory copy and refreshes it when the version counter moves (see search/index.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Organization
from madoguchi.core.models import TimeStampedModel
from madoguchi.knowledge.constants import DocType, InquiryStatus, QuerySource, Visibility


class FaqEntry(TimeStampedModel):
    """One question and its answer. Every edit bumps ``version`` and keeps a FaqRevision."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("質問"), max_length=500)
    answer = models.TextField(_("回答"), help_text=_("使えるタグ: p, br, ul, ol, li, a, strong, em"))
    category = models.CharField(_("分類"), max_length=100, blank=True)
    subcategory = models.CharField(_("小分類"), max_length=100, blank=True)
    keywords = models.CharField(
        _("キーワード・言い換え"), max_length=500, blank=True, help_text=_("読点またはカンマで区切ります。")
    )
    visibility = models.CharField(
        _("公開範囲"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    review_on = models.DateField(_("見直し予定日"), null=True, blank=True)
    related_procedures = models.ManyToManyField(
        "procedures.Procedure", blank=True, related_name="faqs", verbose_name=_("関連する手続")
    )
    source_ref = models.CharField(_("取込元の番号"), max_length=100, blank=True)
    attribution = models.CharField(_("出典"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_archived = models.BooleanField(_("公開終了"), default=False)

    class Meta:
        ordering = ["organization_id", "category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="faq_source_ref_unique",
            )
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC and not self.is_archived


class FaqRevision(models.Model):
    """A snapshot of an FAQ entry as it was saved (versioned edits)."""

    faq = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    question = models.CharField(max_length=500)
    answer = models.TextField()
    category = models.CharField(max_length=100, blank=True)
    keywords = models.CharField(max_length=500, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["faq_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["faq", "version"], name="faq_revision_unique")]


class Notice(TimeStampedModel):
    """A short announcement (お知らせ) shown in search results.

    ``published_at`` empty = not published (a draft, or taken down by staff); a moment in the
    future = shown from then on.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notices")
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"))
    visibility = models.CharField(
        _("公開範囲"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    published_at = models.DateTimeField(_("掲載日時"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Synonym(TimeStampedModel):
    """A staff-edited entry of the synonym dictionary.

    ``bidirectional``: every word in ``words`` finds the others. Otherwise the first word is
    the colloquial phrase and the rest are what it should also search for.
    """

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="synonyms"
    )
    words = models.CharField(
        _("言葉"), max_length=500, help_text=_("カンマまたは読点で区切ります。例: 保険証, 健康保険証")
    )
    bidirectional = models.BooleanField(_("どの言葉からでも互いに探す"), default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.words


class SearchIndexState(models.Model):
    """A single row: the index version. Writers bump it; readers reload what changed."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    # a random token replaced by every rebuild: processes holding another one reload everything
    generation = models.CharField(max_length=32, default="")
    synonyms_version = models.BigIntegerField(default=0)
    # procedures changed after this moment are re-indexed by search.indexing.search_sync_procedures() (the beat task)
    procedures_synced_at = models.DateTimeField(null=True, blank=True)


class SearchDocument(models.Model):
    """One searchable item with its analysed terms (postings are stored per document)."""

    doc_type = models.CharField(max_length=12, choices=DocType.choices)
    object_id = models.BigIntegerField()
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    title = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    # {"w": {term: weighted tf}, "c": {char bigram: weighted tf}, "wl": len, "cl": len}
    features = models.JSONField(default=dict)
    version = models.BigIntegerField(default=0, db_index=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "object_id"], name="search_document_unique")
        ]


class SearchQueryLog(models.Model):
    """Aggregated search queries per day, with personal data stripped before storing."""

    day = models.DateField()
    source = models.CharField(max_length=10, choices=QuerySource.choices, default=QuerySource.SEARCH)
    # the organization the person searched in: its staff see the row (none: superusers only)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="search_logs"
    )
    # slug of that organization at the time ("" = the whole site); part of the daily key
    scope = models.CharField(max_length=50, blank=True, default="")
    query = models.CharField(max_length=200)
    searches = models.PositiveIntegerField(default=0)
    zero_results = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    unanswered = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "-searches"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "source", "scope", "query"], name="search_query_log_unique"
            )
        ]


class Inquiry(TimeStampedModel):
    """お問い合わせ: what a person sends when the FAQ did not answer their question."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="inquiries")
    name = models.CharField(_("お名前"), max_length=100)
    email = models.EmailField(_("メールアドレス"))
    body = models.TextField(_("お問い合わせ内容"))
    conversation = models.TextField(_("チャットのやりとり"), blank=True)
    status = models.CharField(max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.NEW)
    # the signed-in person who asked (replies also go to their mailbox); empty for visitors
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiries"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "-created_at"], name="inquiry_queue")]


class InquiryReply(TimeStampedModel):
    """A staff answer to an inquiry, sent to the person through the notifications outbox."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("回答"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]


class SearchEmbedding(models.Model):
    """The vectors of one searchable item under one model: its title alone and its title with
    the start of its body, stacked (float32, L2-normalised). ``text_hash`` says which text they
    were computed from, so unchanged content is never embedded twice (also across rebuilds)."""

    doc_type = models.CharField(max_length=12, choices=DocType.choices)
    object_id = models.BigIntegerField()
    model = models.CharField(max_length=40)
    text_hash = models.CharField(max_length=64)
    vectors = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "object_id", "model"], name="search_embedding_unique")
        ]
