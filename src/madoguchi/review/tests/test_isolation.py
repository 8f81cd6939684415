"""A reviewer of department A can neither see nor act on department B's cases (404), and a
refused action changes nothing."""

import pytest
from django.http import Http404

from madoguchi.audit.models import AuditEntry
from madoguchi.review import selectors, services
from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import Case, Comment, CorrectionRequest, TaskState
from madoguchi.review.selectors import Queue
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


def snapshot(case):
    return (
        list(Case.objects.filter(pk=case.pk).values()),
        list(TaskState.objects.filter(case=case).values()),
        Comment.objects.filter(case=case).count(),
        CorrectionRequest.objects.filter(case=case).count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def case_b(office):
    return make_application(office.procedure_b).case


def test_reviewer_of_a_cannot_see_bs_case(office, case_b):
    with pytest.raises(Http404):
        selectors.access_case(user=office.reviewer_a, case_id=case_b.pk)


def test_bs_case_is_in_no_queue_of_a(office, case_b):
    for queue in (Queue.MINE, Queue.TEAM):
        page = selectors.case_queue(user=office.reviewer_a, queue=queue)
        assert case_b not in page.rows
    with pytest.raises(Http404):
        selectors.case_queue(user=office.reviewer_a, queue=Queue.CENTRE)
    assert case_b in selectors.case_queue(user=office.reviewer_b, queue=Queue.TEAM).rows
    assert case_b in selectors.case_queue(user=office.centre, queue=Queue.CENTRE).rows


@pytest.mark.parametrize(
    "action",
    [
        lambda o, c, t: services.case_claim(user=o.reviewer_a, case_id=c.pk),
        lambda o, c, t: services.task_approve(user=o.reviewer_a, case_id=c.pk, task_id=t.pk),
        lambda o, c, t: services.task_return(user=o.approver_a, case_id=c.pk, task_id=t.pk, comment="x"),
        lambda o, c, t: services.case_decide(
            user=o.approver_a, case_id=c.pk, task_id=t.pk, outcome="approved", substitute=True
        ),
        lambda o, c, t: services.comment_add(user=o.reviewer_a, case_id=c.pk, body="見えないはず"),
        lambda o, c, t: services.correction_request(
            user=o.reviewer_a, case_id=c.pk, fields=["name"], message="x"
        ),
        lambda o, c, t: services.task_reassign(
            user=o.approver_a, case_id=c.pk, task_id=t.pk, to_user=o.reviewer_a
        ),
        lambda o, c, t: services.task_pull_back(user=o.reviewer_a, case_id=c.pk, task_id=t.pk),
    ],
    ids=["claim", "approve", "return", "substitute-decide", "comment", "correction", "reassign", "pull-back"],
)
def test_every_action_on_bs_case_by_a_is_404_and_changes_nothing(office, case_b, action):
    task = TaskState.objects.get(case=case_b, status=TaskStatus.PENDING)
    before = snapshot(case_b)
    with pytest.raises(Http404):
        action(office, case_b, task)
    assert snapshot(case_b) == before


def test_auditor_sees_every_case_but_cannot_act(office, case_b):
    from madoguchi.core.errors import PermissionDeniedError

    assert selectors.access_case(user=office.auditor, case_id=case_b.pk) == case_b
    task = TaskState.objects.get(case=case_b, status=TaskStatus.PENDING)
    before = snapshot(case_b)
    with pytest.raises(PermissionDeniedError):
        services.task_approve(user=office.auditor, case_id=case_b.pk, task_id=task.pk)
    assert snapshot(case_b) == before


def test_applicant_cannot_open_staff_case_page(client, office, case_b):
    client.force_login(case_b.application.applicant)
    assert client.get(f"/staff/cases/{case_b.pk}/").status_code == 404


def test_case_page_of_another_department_answers_404(client, office, case_b):
    client.force_login(office.reviewer_a)
    assert client.get(f"/staff/cases/{case_b.pk}/").status_code == 404
    task = TaskState.objects.get(case=case_b, status=TaskStatus.PENDING)
    before = snapshot(case_b)
    response = client.post(f"/staff/cases/{case_b.pk}/act/", {"action": "approve", "task": task.pk})
    assert response.status_code == 404
    assert snapshot(case_b) == before


def test_staff_of_another_organization_cannot_see_the_case(office, case_b):
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_staff

    outsider = make_staff(make_organization(), Role.CENTRE)
    with pytest.raises(Http404):
        selectors.access_case(user=outsider, case_id=case_b.pk)
    assert case_b not in selectors.case_queue(user=outsider, queue=Queue.CENTRE).rows
