"""Bridge from the applications app: a new application opens its review case; a withdrawal
closes it. The applications app is owned by another team, so the hook lives here; see
docs/backoffice.md ("Why a signal"). Both run inside the submitting transaction."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application


@receiver(post_save, sender=Application, dispatch_uid="review.application_saved")
def application_saved(sender, instance: Application, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from madoguchi.review import services

    if created:
        services.case_open_for_application(application=instance, actor=instance.entered_by or "system")
        return
    update_fields = kwargs.get("update_fields")
    if instance.status == ApplicationStatus.WITHDRAWN and (
        update_fields is None or "status" in update_fields
    ):
        services.case_close_withdrawn(application=instance, actor=instance.applicant)
