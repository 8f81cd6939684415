"""書かない窓口: a counter visit in which staff fill in an application for a visitor."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Organization
from madoguchi.applications.models import Application, Draft
from madoguchi.core.models import TimeStampedModel
from madoguchi.procedures.models import Procedure
from madoguchi.review.constants import IdentityCheck


class VisitStatus(models.TextChoices):
    ENTERING = "entering", _("入力中")
    CONFIRMING = "confirming", _("来庁者の確認待ち")
    SUBMITTED = "submitted", _("受付済み")
    CANCELLED = "cancelled", _("中止")


class CounterVisit(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="counter_visits")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visitor_name = models.CharField(_("来庁者の氏名"), max_length=100)
    identity_method = models.CharField(_("本人確認の方法"), max_length=20, choices=IdentityCheck.choices)
    identity_note = models.CharField(_("本人確認の補足"), max_length=200, blank=True)
    draft = models.OneToOneField(Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="counter_visit"
    )
    status = models.CharField(max_length=12, choices=VisitStatus.choices, default=VisitStatus.ENTERING)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["staff", "-created_at"])]


class HandoffCode(models.Model):
    """A short one-time code a visitor shows at the counter (QR) to hand over a phone draft.

    Only a keyed hash of the code is stored; the code itself is shown once to the visitor.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        CounterVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["draft", "used_at"])]
