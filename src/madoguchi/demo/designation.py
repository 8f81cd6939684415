"""S7 demo: a 障害福祉サービス事業者 already designated (指定), so its 変更届 can be tried.

The 指定申請 goes the way of every application: 行政書士 佐藤 (gyosei@example.jp) submits it for
社会福祉法人 新宿ひまわり会 through the applications services, the 障害者福祉課 reviews it and the
課長 decides it through the review engine (route 審査 → 課長決裁), which issues the signed notice.
On the application's page (and on the 変更届's page) he then finds 「変更届を出す」, which starts
the 変更届 with the designation's answers. Idempotent: a fixed idempotency key.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Organization, User
from madoguchi.applications import services as applications
from madoguchi.applications.models import Application
from madoguchi.procedures.models import Procedure
from madoguchi.review.constants import Outcome, StepKind, TaskStatus
from madoguchi.review.models import Case, Route, TaskState
from madoguchi.review.services import case_decide, route_create, task_approve

KEY = "demo:shitei"
APPLICANT = "gyosei@example.jp"
REVIEWER = "shinjuku-fukushi@example.jp"
APPROVER = "shinjuku-kacho@example.jp"
ROUTE = "障害福祉サービス事業者の指定（審査 → 課長決裁）"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def designation_data() -> dict:
    return {
        "corporation_name": "社会福祉法人 新宿ひまわり会",
        "corporate_number": "6012345678901",
        "corporation_kind": "social-welfare",
        "representative": {
            "family": "佐藤",
            "given": "和子",
            "family_kana": "サトウ",
            "given_kana": "カズコ",
        },
        "representative_title": "理事長",
        "head_office": {
            "postal_code": "160-0022",
            "prefecture": "東京都",
            "city": "新宿区",
            "street": "新宿5-1-1",
            "building": "",
        },
        "office_name": "ひまわり就労支援センター",
        "office_address": {
            "postal_code": "169-0075",
            "prefecture": "東京都",
            "city": "新宿区",
            "street": "高田馬場1-1-1",
            "building": "ひまわりビル2階",
        },
        "service_types": ["shuro-b"],
        "capacity": "20",
        "start_date": (date.today() + timedelta(days=40)).isoformat(),
        "briefing": "attended",
        "contact_name": "佐藤 一郎",
        "contact_phone": "03-1234-5678",
        "contact_email": APPLICANT,
        "agreement": True,
    }


def _route(organization: Organization, procedure: Procedure) -> None:
    if Route.objects.filter(procedure=procedure).exists():
        return
    department = Department.objects.get(organization=organization, slug="shogai-fukushi")
    slot = {"department": department, "user": None}
    route_create(
        organization=organization,
        procedure=procedure,
        name=ROUTE,
        steps=[
            {
                "name": "障害者福祉課 審査",
                "kind": StepKind.REVIEW,
                "slots": [{**slot, "role": Role.REVIEWER}],
            },
            {
                "name": "障害者福祉課長 決裁",
                "kind": StepKind.DECISION,
                "slots": [{**slot, "role": Role.APPROVER}],
            },
        ],
    )


def _pending(case: Case) -> TaskState:
    return TaskState.objects.filter(case=case, status=TaskStatus.PENDING).order_by("id").first()


def _review_and_decide(application: Application) -> None:
    case = Case.objects.get(application=application)
    reviewer, approver = User.objects.get(email=REVIEWER), User.objects.get(email=APPROVER)
    task_approve(user=reviewer, case_id=case.pk, task_id=_pending(case).pk, comment="基準を満たしています。")
    case_decide(
        user=approver,
        case_id=case.pk,
        task_id=_pending(case).pk,
        outcome=Outcome.APPROVED,
        reason="指定基準を満たしているため、就労継続支援B型の事業者として指定します。",
    )


def _outside_event_loop(work: Callable[[], None]) -> None:
    """Run ``work`` here, or in a helper thread when this thread runs an asyncio loop (the
    browser tests load the demo under Playwright's loop, and signing the notice (pyHanko) calls
    ``asyncio.run``, which refuses to nest). The helper thread has its own database connection."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        work()
        return
    failures: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised in the caller's thread
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def load_designation_demo() -> list[str]:
    procedure = Procedure.objects.filter(organization__slug="shinjuku", slug="shogai-fukushi-shitei").first()
    applicant = User.objects.filter(email=APPLICANT).first()
    if procedure is None or applicant is None:
        return ["S7 designation: skipped (procedure or applicant not loaded)"]
    existing = Application.objects.filter(applicant=applicant, idempotency_key=KEY).first()
    if existing is not None:
        return [f"S7 designation: {existing.reference_number} ({existing.get_status_display()})"]
    with transaction.atomic():
        _route(procedure.organization, procedure)
        draft = applications.draft_create(applicant=applicant, procedure=procedure, data={})
        data = designation_data()
        upload = SimpleUploadedFile("teikan.pdf", PDF, content_type="application/pdf")
        attachment = applications.draft_attachment_add(draft=draft, field_key="articles", uploaded=upload)
        data["articles"] = {"attachment_id": str(attachment.id)}
        draft = applications.draft_update(draft=draft, data=data)
        application = applications.application_submit(draft=draft, actor=applicant, idempotency_key=KEY)
    applications.application_follow_up(application_id=application.pk)
    _outside_event_loop(lambda: _review_and_decide(application))
    application.refresh_from_db()
    return [
        f"S7 designation: {application.reference_number} {application.get_status_display()} "
        f"for {APPLICANT} (変更届 from its page)"
    ]
