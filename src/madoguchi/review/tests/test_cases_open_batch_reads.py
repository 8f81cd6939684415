"""A batch of follow-ups asks which of its applications have a case already; the read written
once (``cases.applications_with_case``) answers what the ORM's queryset answers, with the same
values (UUIDs, also on SQLite)."""

import uuid

import pytest

from madoguchi.applications.models import Application
from madoguchi.review.models import Case
from madoguchi.review.services.cases import applications_with_case
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db


def test_the_read_answers_what_the_orm_answers():
    office = Office()
    with_case = [make_application(office.procedure_a), make_application(office.procedure_b)]
    without = make_application(office.procedure_a)
    Case.objects.filter(application=without).delete()
    ids = [a.pk for a in with_case] + [without.pk, uuid.uuid4()]
    ours = applications_with_case(ids)
    theirs = set(Case.objects.filter(application__in=ids).values_list("application_id", flat=True))
    assert ours == theirs == {a.pk for a in with_case}
    assert all(isinstance(value, uuid.UUID) for value in ours)
    assert applications_with_case([str(without.pk)]) == set()
    assert applications_with_case([str(with_case[0].pk)]) == {with_case[0].pk}
    assert applications_with_case([]) == set()
    assert Application.objects.count() == 3
