"""Who a pending task waits for: the read written once (``notify.role_holders``) finds the people
the ORM's queryset finds — by role, department (or the whole organization), active users only,
in id order — and a batch of follow-ups reads their contact preferences with them."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Membership, User
from madoguchi.core.memo import batch_memo
from madoguchi.core.testing import make_department, make_organization, make_staff
from madoguchi.notifications.models import ContactPreference
from madoguchi.notifications.services import contact_preference
from madoguchi.review.notify import role_holders, task_recipients

pytestmark = pytest.mark.django_db


def by_orm(*, organization_id, role, department_id, any_department):
    memberships = Membership.objects.filter(organization_id=organization_id, role=role, user__is_active=True)
    if not any_department:
        memberships = memberships.filter(Q(department__isnull=True) | Q(department_id=department_id))
    return list(User.objects.filter(pk__in=memberships.values("user_id")).order_by("pk"))


@pytest.fixture
def office():
    org, other = make_organization(), make_organization()
    dept, dept2 = make_department(org), make_department(org)
    people = [
        make_staff(org, Role.REVIEWER, dept),
        make_staff(org, Role.REVIEWER, None),  # the whole organization
        make_staff(org, Role.REVIEWER, dept2),
        make_staff(org, Role.APPROVER, dept),
        make_staff(org, Role.CENTRE, None),
        make_staff(org, Role.CENTRE, dept2),
        make_staff(other, Role.REVIEWER, None),
        make_staff(org, Role.REVIEWER, dept, is_active=False),
    ]
    Membership.objects.create(user=people[3], organization=org, department=dept2, role=Role.REVIEWER)
    return org, dept, dept2, people


@pytest.mark.parametrize(
    "role, department, any_department",
    [
        (Role.REVIEWER, "dept", False),
        (Role.REVIEWER, "dept2", False),
        (Role.REVIEWER, None, False),
        (Role.APPROVER, "dept", False),
        (Role.CENTRE, None, True),
        (Role.OWNER, "dept", False),
    ],
)
def test_the_read_finds_whom_the_orm_finds(office, role, department, any_department):
    org, dept, dept2, _people = office
    department_id = {"dept": dept.pk, "dept2": dept2.pk, None: None}[department]
    asked = {
        "organization_id": org.pk,
        "role": role,
        "department_id": department_id,
        "any_department": any_department,
    }
    ours, theirs = role_holders(**asked), by_orm(**asked)
    assert [u.pk for u in ours] == [u.pk for u in theirs]
    assert [vars(u) | {"_state": None} for u in ours] == [vars(u) | {"_state": None} for u in theirs]
    assert all(not u._state.adding and u._state.db == "default" for u in ours)


def test_a_batch_reads_the_recipients_contact_preferences_in_one_statement(office):
    org, dept, _dept2, people = office
    ContactPreference.objects.create(user=people[1], staff_digest=True)

    class Task:
        claimed_by_id = assignee_id = None
        role = Role.REVIEWER
        department_id = dept.pk

    class Case:
        organization_id = org.pk

    with batch_memo():
        recipients = task_recipients(Task(), Case())
        assert [u.pk for u in recipients] == [people[0].pk, people[1].pk]
        with CaptureQueriesContext(connection) as queries:
            assert contact_preference(people[1].pk).staff_digest is True
            assert contact_preference(people[0].pk) is None
        assert len(queries) == 0
