"""access_public_slot runs a statement written out once (core/hotpath.py, decision 0029): it
must find exactly what its select_related query finds, and load the same related rows."""

import pytest
from django.http import Http404

from madoguchi.core.testing import make_department, make_organization, make_resource, make_slot
from madoguchi.reservations.models import Lottery, Resource, Slot
from madoguchi.reservations.selectors import SLOT_PAGE_RELATED, access_public_slot

pytestmark = pytest.mark.django_db


def _columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _orm(organization_slug, resource_slug, slot_id):
    return Slot.objects.select_related(*SLOT_PAGE_RELATED).get(
        pk=slot_id,
        resource__slug=resource_slug,
        resource__organization__slug=organization_slug,
        resource__is_public=True,
    )


def test_it_finds_what_the_orm_finds_and_nothing_else():
    org = make_organization()
    resource = make_resource(org)
    slot = make_slot(resource)
    hidden = make_slot(make_resource(org, is_public=False))
    elsewhere = make_slot(make_resource(make_organization()))
    Resource.objects.filter(pk=elsewhere.resource_id).update(slug=resource.slug)  # same slug, other org
    asks = [
        (org.slug, resource.slug, slot.pk),
        (org.slug, resource.slug, hidden.pk),
        (org.slug, hidden.resource.slug, hidden.pk),
        (org.slug, resource.slug, elsewhere.pk),
        (elsewhere.resource.organization.slug, resource.slug, elsewhere.pk),
        (org.slug.upper(), resource.slug, slot.pk),
        (org.slug, resource.slug, 2**63),
        (org.slug, resource.slug, -1),
        (org.slug, resource.slug, "x"),
    ]
    for org_slug, res_slug, slot_id in asks:
        try:
            expected = _orm(org_slug, res_slug, slot_id).pk
        except (Slot.DoesNotExist, ValueError):
            expected = None
        try:
            got = access_public_slot(organization_slug=org_slug, resource_slug=res_slug, slot_id=slot_id).pk
        except Http404:
            got = None
        assert got == expected, (org_slug, res_slug, slot_id)
    assert (
        access_public_slot(organization_slug=org.slug, resource_slug=resource.slug, slot_id=str(slot.pk)).pk
        == slot.pk
    )


@pytest.mark.parametrize("with_department_and_lottery", [False, True])
def test_it_loads_resource_organization_department_and_lottery_as_select_related_does(
    with_department_and_lottery, django_assert_num_queries
):
    import datetime as dt

    from django.utils import timezone

    org = make_organization()
    resource = make_resource(org, department=make_department(org) if with_department_and_lottery else None)
    slot = make_slot(resource)
    if with_department_and_lottery:
        now = timezone.now()
        lottery = Lottery.objects.create(
            resource=resource,
            title="抽選",
            entries_open_at=now,
            entries_close_at=now + dt.timedelta(days=1),
            confirm_by=now + dt.timedelta(days=2),
            seed="s" * 64,
            seed_commitment="c" * 64,
        )
        Slot.objects.filter(pk=slot.pk).update(lottery=lottery)
    expected = _orm(org.slug, resource.slug, slot.pk)
    with django_assert_num_queries(1):
        got = access_public_slot(organization_slug=org.slug, resource_slug=resource.slug, slot_id=slot.pk)
    with django_assert_num_queries(0):
        pairs = [
            (got, expected),
            (got.resource, expected.resource),
            (got.resource.organization, expected.resource.organization),
        ]
        assert (got.resource.department is None) is (expected.resource.department is None)
        assert (got.lottery is None) is (expected.lottery is None)
        if with_department_and_lottery:
            pairs += [
                (got.resource.department, expected.resource.department),
                (got.lottery, expected.lottery),
            ]
        for mine, theirs in pairs:
            assert _columns(mine) == _columns(theirs)
            assert type(mine) is type(theirs)
    assert got.starts_at == expected.starts_at and got.starts_at.tzinfo is not None
