"""Review points (a counter, a procedure, a reservable resource), anonymous reviews and the
"ご意見への対応" notes staff publish. docs/feedback.md."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.core.models import TimeStampedModel
from madoguchi.feedback.constants import PointKind, ReviewChannel
from madoguchi.procedures.models import Procedure


def default_difficulties() -> list[dict[str, str]]:
    from madoguchi.feedback.constants import DEFAULT_DIFFICULTIES

    return [dict(d) for d in DEFAULT_DIFFICULTIES]


class FeedbackSettings(TimeStampedModel):
    """What an organization asks, changed by its staff without code."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="feedback_settings"
    )
    ask_nps = models.BooleanField(_("おすすめ度（0〜10）を伺う"), default=True)
    difficulties = models.JSONField(_("「困ったこと」の選択肢"), default=default_difficulties)
    intro = models.CharField(_("アンケートの説明"), max_length=300, blank=True)


class ReviewPoint(TimeStampedModel):
    """Something people can review. ``code`` is the short URL (/feedback/<code>/) on the poster."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="review_points")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_points"
    )
    kind = models.CharField(_("種類"), max_length=12, choices=PointKind.choices)
    code = models.CharField(_("短縮コード"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    location = models.CharField(_("場所"), max_length=300, blank=True)
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="review_points"
    )
    # Another app's object this point stands for, e.g. "reservations.resource:12" (feedback does not
    # import the apps on its own layer; they refer to the point by this string).
    external_ref = models.CharField(max_length=80, blank=True)
    is_active = models.BooleanField(_("受付中"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(procedure__isnull=False),
                name="feedback_one_point_per_procedure",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="feedback_one_point_per_external_ref",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """One anonymous answer. No user, no address: only what the form asked, the comment masked."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    point = models.ForeignKey(ReviewPoint, on_delete=models.CASCADE, related_name="reviews")
    organization_id_copy = models.IntegerField(db_index=True)  # for per-organization totals without a join
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    satisfaction = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    nps = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    difficulties = models.JSONField(default=list, blank=True)  # keys of FeedbackSettings.difficulties
    comment = models.TextField(blank=True)  # masked (feedback/masking.py) before it is stored
    masked = models.JSONField(default=list, blank=True)  # kinds of personal data that were masked
    channel = models.CharField(max_length=10, choices=ReviewChannel.choices, default=ReviewChannel.POSTER)
    # One review per visit/application: sha256 of the signed token's visit ("application:<id>").
    visit_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The form's one-time key: a double submit or a retried request stores one review.
    nonce = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Over the soft per-browser limit: kept, but left out of the figures until staff look.
    held = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["point", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=5), name="feedback_satisfaction_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10), name="feedback_nps_0_10"
            ),
        ]


class ResponseNote(TimeStampedModel):
    """「ご意見への対応」: what the counter/procedure changed after the reviews, shown to everyone."""

    point = models.ForeignKey(ReviewPoint, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(_("ご意見への対応"))
    published_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at"]
