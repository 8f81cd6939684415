from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_correction_mail(self, correction_id: str) -> None:
    """Tell the applicant a correction is needed (no personal data in the body)."""
    from madoguchi.review.applicant_urls import correction_url
    from madoguchi.review.models import CorrectionRequest

    correction = (
        CorrectionRequest.objects.select_related("application__applicant", "application__procedure")
        .filter(pk=correction_id)
        .first()
    )
    if correction is None:
        return
    application = correction.application
    body = (
        f"{application.procedure.title}（受付番号 {application.reference_number}）について、"
        "補正（修正）をお願いします。\n\n次のページで内容を確認し、修正して再提出してください。\n"
        f"{settings.SITE_URL}{correction_url(correction.pk)}\n"
    )
    try:
        send_mail(f"【補正のお願い】{application.procedure.title}", body, None, [application.applicant.email])
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_decision_mail(self, application_id: str) -> None:
    from django.urls import reverse

    from madoguchi.applications.models import Application

    application = (
        Application.objects.select_related("applicant", "procedure").filter(pk=application_id).first()
    )
    if application is None:
        return
    url = settings.SITE_URL + reverse("applications:detail", args=[application.pk])
    body = (
        f"{application.procedure.title}（受付番号 {application.reference_number}）の審査が終わりました。\n"
        f"結果と通知書は次のページで確認できます。\n{url}\n"
    )
    try:
        send_mail(f"【審査結果】{application.procedure.title}", body, None, [application.applicant.email])
    except OSError as exc:
        raise self.retry(exc=exc) from exc
