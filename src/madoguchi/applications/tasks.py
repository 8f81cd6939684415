from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_receipt_mail(self, application_id: str) -> None:
    """Tell the applicant their application was received (no personal data in the body)."""
    from madoguchi.applications.models import Application

    application = (
        Application.objects.select_related("applicant", "procedure").filter(pk=application_id).first()
    )
    if application is None:
        return
    url = settings.SITE_URL + reverse("applications:detail", args=[application.pk])
    body = (
        f"{application.procedure.title} の申請を受け付けました。\n"
        f"受付番号: {application.reference_number}\n\n"
        f"申請の状況は次のページで確認できます。\n{url}\n"
    )
    try:
        send_mail(f"【受付】{application.procedure.title}", body, None, [application.applicant.email])
    except OSError as exc:
        raise self.retry(exc=exc) from exc
