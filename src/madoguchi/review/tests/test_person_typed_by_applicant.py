"""S3: a step goes to the staff member whose address the applicant typed (所属長のメールアドレス)."""

import pytest
from django.http import Http404

from madoguchi.accounts.constants import Role
from madoguchi.applications import services as app_services
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.core.testing import make_procedure, make_user
from madoguchi.notifications.models import Notification
from madoguchi.review import services
from madoguchi.review.constants import StepKind, TaskStatus
from madoguchi.review.models import Case, TaskState
from madoguchi.review.selectors import my_pending_tasks
from madoguchi.review.testing import make_application, slot, step

pytestmark = pytest.mark.django_db

DEFINITION = {
    "steps": [
        {
            "key": "who",
            "title": "所属長",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {
                    "key": "supervisor_email",
                    "type": "email",
                    "label": "所属長のメールアドレス",
                    "required": True,
                    "staff_role": "approver",
                },
            ],
        }
    ]
}


@pytest.fixture
def training(office):
    """A procedure of department B whose first step is the 所属長 the applicant names."""
    procedure = make_procedure(office.org, DEFINITION, department=office.dept_b)
    first = {**slot(office.dept_a, Role.APPROVER), "person_field": "supervisor_email"}
    office.route(
        procedure,
        [
            step("所属長承認", StepKind.APPROVAL, [first]),
            step("決定", StepKind.DECISION, [slot(office.dept_b, Role.REVIEWER)]),
        ],
    )
    return procedure


def first_task(application) -> TaskState:
    case = Case.objects.get(application=application)
    return TaskState.objects.get(case=case, status=TaskStatus.PENDING, round=case.step_round)


def test_the_approval_goes_to_the_supervisor_the_applicant_typed_and_to_nobody_else(office, training):
    # the typed 所属長 is a 決裁者 of department B, not of the slot's department A
    application = make_application(
        training, data={"name": "山田 花子", "supervisor_email": office.approver_b.email.upper()}
    )
    task = first_task(application)
    assert (task.assignee, task.department, task.role) == (office.approver_b, office.dept_b, Role.APPROVER)
    assert list(my_pending_tasks(office.approver_b)) == [task]
    assert list(my_pending_tasks(office.approver_a)) == []  # the slot's department no longer waits
    assert Notification.objects.filter(recipient=office.approver_b, event="review.task_assigned").exists()
    assert not Notification.objects.filter(recipient=office.approver_a, event="review.task_assigned").exists()
    with pytest.raises(Http404):  # not theirs: the case is not even visible to them
        services.task_approve(user=office.approver_a, case_id=task.case_id, task_id=task.pk)
    with pytest.raises(PermissionDeniedError):  # a colleague of the 所属長 sees it but may not act
        services.task_approve(user=office.reviewer_b, case_id=task.case_id, task_id=task.pk)
    services.task_approve(user=office.approver_b, case_id=task.case_id, task_id=task.pk)
    assert Case.objects.get(pk=task.case_id).current_position == 2


def test_an_address_that_names_no_approver_is_refused_next_to_the_field(office, training):
    applicant = make_user()
    draft = app_services.draft_create(applicant=applicant, procedure=training, data={})
    for typed in (office.reviewer_b.email, "nobody@example.jp"):  # staff without the role; nobody
        with pytest.raises(FieldErrors) as refused:
            app_services.draft_save_step(
                draft=draft, step_key="who", raw={"name": "山田 花子", "supervisor_email": typed}
            )
        assert list(refused.value.errors) == ["supervisor_email"]
        assert "申請を回せる職員" in refused.value.errors["supervisor_email"][0]
    draft.refresh_from_db()
    assert draft.data["supervisor_email"] == "nobody@example.jp"  # what was typed is kept


def test_a_supervisor_who_lost_the_role_before_the_case_opened_leaves_it_to_the_slots_department(
    office, training
):
    applicant = make_user()
    draft = app_services.draft_create(
        applicant=applicant,
        procedure=training,
        data={"name": "山田 花子", "supervisor_email": office.approver_b.email},
    )
    application = app_services.application_submit(draft=draft, actor=applicant, idempotency_key="s3-moved")
    office.approver_b.memberships.all().delete()  # moved away between submission and the case
    app_services.application_follow_up(application_id=application.pk)
    task = first_task(application)
    assert (task.assignee, task.department, task.role) == (None, office.dept_a, Role.APPROVER)
    started = AuditEntry.objects.filter(action="case.step_started").order_by("-id").first()
    assert started.after["person_not_found"] == ["supervisor_email"]
    assert task in my_pending_tasks(office.approver_a)
