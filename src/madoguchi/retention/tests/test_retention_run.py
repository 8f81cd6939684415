"""Retention (保存年限) with time travel: the run is given the day it runs on."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application, Attachment, Draft
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.core.testing import make_attachment, make_organization, make_procedure, make_staff, make_user
from madoguchi.notifications.models import Notification
from madoguchi.retention.models import DeletedCount, PurgedApplication
from madoguchi.retention.purge import PURGED_EMAIL
from madoguchi.retention.services import legal_hold_clear, legal_hold_set, retention_run
from madoguchi.review.models import Case, DataRevision, Decision, Notice
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db

DECIDED = timezone.now() - timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def decided(application, *, at=DECIDED, status=ApplicationStatus.APPROVED):
    Application.objects.filter(pk=application.pk).update(status=status, decided_at=at, updated_at=at)
    application.refresh_from_db()
    return application


def years_later(years: int, days: int = 0):
    return DECIDED.replace(year=DECIDED.year + years) + timedelta(days=days)


@pytest.fixture
def office():
    org = make_organization()
    return {
        "org": org,
        "admin": make_staff(org, Role.ADMIN),
        "reviewer": make_staff(org, Role.REVIEWER),
        "procedure": make_procedure(org, retention_period="5y"),
    }


@pytest.fixture
def full_application(office):
    """A decided application with everything retention must remove."""
    applicant = make_user(email="hanako@example.jp")
    application = make_application(office["procedure"], applicant=applicant)
    upload = make_attachment(applicant)
    Attachment.objects.filter(pk=upload.pk).update(application=application)
    case = Case.objects.get(application=application)
    decision = Decision.objects.create(
        case=case, outcome="approved", reason="要件を満たす", decided_by=office["admin"], decided_at=DECIDED
    )
    Notice.objects.create(
        case=case, decision=decision, title="決定通知書", pdf=b"%PDF-signed", sha256="a" * 64
    )
    Notification.objects.create(
        group=uuid.uuid4(),
        organization=office["org"],
        recipient=applicant,
        recipient_key=f"user:{applicant.pk}",
        channel="email",
        event="application.decided",
        dedupe_key=f"application:{application.pk}:decided",
        subject="決定のお知らせ",
        body="山田 太郎 様",
    )
    # what the purge test expects to see removed is really there
    assert case.applicant_label and DataRevision.objects.filter(application=application).exists()
    assert Draft.objects.filter(application=application).exists()
    return decided(application), upload


def test_an_application_is_kept_until_its_retention_period_ends(full_application):
    application, _upload = full_application

    report = retention_run(now=years_later(5, days=-1))

    assert report.applications_purged == 0
    assert Application.objects.get(pk=application.pk).data["name"] == "山田 太郎"


def test_after_its_retention_period_the_personal_data_goes_and_the_counts_stay(full_application):
    application, upload = full_application
    path = upload.file.path
    counts_before = list(Application.objects.values_list("procedure_id", "channel", "status"))

    report = retention_run(now=years_later(5, days=1))

    application.refresh_from_db()
    case = Case.objects.get(application=application)
    assert report.applications_purged == 1
    assert application.data == {} and application.applicant.email == PURGED_EMAIL
    assert application.reference_number and application.decided_at == DECIDED
    assert not Attachment.objects.filter(pk=upload.pk).exists()
    assert not os.path.exists(path)
    assert not Draft.objects.filter(application=application).exists()
    assert not DataRevision.objects.filter(application=application).exists()
    assert case.applicant_label == ""
    assert (
        Decision.objects.get(case=case).reason == "" and Decision.objects.get(case=case).outcome == "approved"
    )
    assert (
        bytes(Notice.objects.get(case=case).pdf) == b"" and Notice.objects.get(case=case).sha256 == "a" * 64
    )
    assert not Notification.objects.filter(dedupe_key__startswith=f"application:{application.pk}:").exists()
    assert PurgedApplication.objects.filter(application=application).exists()
    assert list(Application.objects.values_list("procedure_id", "channel", "status")) == counts_before


def test_audit_entries_of_a_purged_application_lose_their_payload_and_the_chain_verifies(full_application):
    application, _upload = full_application

    retention_run(now=years_later(5, days=1))

    entries = AuditEntry.objects.filter(target_type="applications.application", target_id=str(application.pk))
    submitted = entries.get(action="application.submitted")
    assert submitted.redacted_at is not None and submitted.after is None
    assert entries.filter(action="application.purged").exists()
    assert audit_verify()[0]


def test_a_second_run_does_nothing_more(full_application):
    retention_run(now=years_later(5, days=1))

    again = retention_run(now=years_later(6))

    assert again.applications_purged == 0


@pytest.mark.parametrize(
    ("period", "years", "purged"),
    [
        ("1y", 1, True),
        ("3y", 2, False),
        ("3y", 3, True),
        ("10y", 9, False),
        ("30y", 30, True),
        ("permanent", 99, False),
    ],
)
def test_each_retention_period_counts_from_the_decision(office, period, years, purged):
    procedure = make_procedure(office["org"], retention_period=period)
    application = decided(make_application(procedure))

    report = retention_run(now=years_later(years, days=1))

    assert PurgedApplication.objects.filter(application=application).exists() is purged
    assert report.applications_purged == int(purged)


def test_a_withdrawn_application_counts_from_its_withdrawal(office):
    application = decided(make_application(office["procedure"]), status=ApplicationStatus.WITHDRAWN)
    Application.objects.filter(pk=application.pk).update(decided_at=None)

    assert retention_run(now=years_later(5, days=-1)).applications_purged == 0
    assert retention_run(now=years_later(5, days=1)).applications_purged == 1


def test_an_application_still_in_review_is_never_purged(office):
    make_application(office["procedure"])

    assert retention_run(now=years_later(50)).applications_purged == 0


def test_a_legal_hold_keeps_an_application_until_it_is_cleared(office, full_application):
    application, _upload = full_application
    hold = legal_hold_set(actor=office["admin"], application=application, reason="訴訟提起のため")

    held = retention_run(now=years_later(5, days=1))
    legal_hold_clear(actor=office["admin"], hold=hold, reason="判決確定")
    after = retention_run(now=years_later(5, days=2))

    assert held.applications_purged == 0 and held.applications_held == 1
    assert after.applications_purged == 1
    actions = set(AuditEntry.objects.filter(target_id=str(application.pk)).values_list("action", flat=True))
    assert {"application.legal_hold_set", "application.legal_hold_cleared", "application.purged"} <= actions


def test_a_dry_run_reports_and_changes_nothing(full_application):
    application, _upload = full_application

    report = retention_run(now=years_later(5, days=1), dry_run=True)

    assert report.applications_purged == 1
    assert Application.objects.get(pk=application.pk).data["name"] == "山田 太郎"
    assert not PurgedApplication.objects.exists()


def test_unsubmitted_drafts_go_after_the_set_days_and_leave_a_count(office, settings):
    settings.RETENTION_DRAFT_DAYS = 30
    from madoguchi.applications.services import draft_create

    old = draft_create(applicant=make_user(), procedure=office["procedure"], data={"name": "古い"})
    recent = draft_create(applicant=make_user(), procedure=office["procedure"], data={"name": "新しい"})
    Draft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))

    report = retention_run(now=timezone.now())

    assert report.drafts_deleted == 1
    assert not Draft.objects.filter(pk=old.pk).exists() and Draft.objects.filter(pk=recent.pk).exists()
    count = DeletedCount.objects.get(kind="draft")
    assert (count.procedure_id, count.organization_id, count.count) == (
        office["procedure"].pk,
        office["org"].pk,
        1,
    )


def test_the_command_prints_the_dry_run_report(full_application):
    out = StringIO()
    day = years_later(5, days=1).date().isoformat()

    call_command("retention", "run", "--dry-run", "--now", day, stdout=out)

    text = out.getvalue()
    assert "(dry run)" in text and "applications past their retention period: 1 (would purge)" in text
    assert not PurgedApplication.objects.exists()


def test_the_daily_job_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["retention-daily"]["task"] == "retention.daily"


def test_stray_uploads_go_but_not_those_of_someone_with_a_draft_in_use(office, settings):
    settings.RETENTION_DRAFT_DAYS = 30
    from madoguchi.applications.services import draft_create

    idle, busy = make_user(), make_user()
    stray, kept = make_attachment(idle), make_attachment(busy)
    Attachment.objects.update(created_at=timezone.now() - timedelta(days=40))
    draft_create(applicant=busy, procedure=office["procedure"], data={"name": "入力中"})

    report = retention_run(now=timezone.now())

    assert report.uploads_deleted == 1
    assert (
        not Attachment.objects.filter(pk=stray.pk).exists() and Attachment.objects.filter(pk=kept.pk).exists()
    )
