"""Route editor: who may edit which route; anyone else gets 404."""

import pytest
from django.http import Http404

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.review import services as review_services
from madoguchi.review.models import Route
from madoguchi.review.route_editor import selectors, services
from madoguchi.review.tests.route_editor.support import define, error_keys, two_steps

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["reviewer_a", "approver_a", "centre", "auditor"])
def test_staff_who_are_not_owner_or_admin_get_404(office, admin, who):
    route = define(admin, office)
    user = getattr(office, who)
    with pytest.raises(Http404):
        define(user, office, name="勝手な経路")
    with pytest.raises(Http404):
        services.route_revise(
            user=user, route_id=route.pk, name="x", steps=two_steps(office), make_default=True
        )
    with pytest.raises(Http404):
        services.route_make_default(user=user, route_id=route.pk)
    assert Route.objects.count() == 1


def test_admin_of_another_organization_gets_404(office, admin):
    route = define(admin, office)
    stranger = make_staff(make_organization(), Role.ADMIN, None)
    with pytest.raises(Http404):
        services.route_revise(
            user=stranger, route_id=route.pk, name="x", steps=two_steps(office), make_default=True
        )
    with pytest.raises(FieldErrors) as exc_info:
        define(stranger, office)
    assert "target" in error_keys(exc_info)
    assert Route.objects.count() == 1


def test_owner_of_a_department_edits_only_its_procedures_routes(office, admin, owner_a):
    mine = define(owner_a, office)
    theirs = define(admin, office, target=f"procedure:{office.procedure_b.pk}")
    values = {t.value for t in selectors.route_targets(user=owner_a)}

    assert values == {f"procedure:{office.procedure_a.pk}"}
    services.route_make_default(user=owner_a, route_id=mine.pk)
    with pytest.raises(Http404):
        services.route_make_default(user=owner_a, route_id=theirs.pk)
    with pytest.raises(FieldErrors):
        define(owner_a, office, target=f"proposals:{office.org.pk}")


def test_a_replaced_proposal_route_is_no_longer_offered_or_accepted(office, admin):
    old = define(admin, office, target=f"proposals:{office.org.pk}", name="起案の経路")
    proposer = make_staff(office.org, Role.REVIEWER, office.dept_a)
    review_services.proposal_create(
        user=proposer, department_id=office.dept_a.pk, title="備品購入", body="理由", route_id=old.pk
    )  # a case now uses the route, so editing it saves a new one
    revision = services.route_revise(
        user=admin, route_id=old.pk, name="起案の経路（改）", steps=two_steps(office), make_default=True
    )
    assert revision.route.pk != old.pk
    with pytest.raises(FieldErrors) as caught:
        review_services.proposal_create(
            user=proposer, department_id=office.dept_a.pk, title="次の起案", body="理由", route_id=old.pk
        )
    assert "route" in caught.value.errors
    assert review_services.route_for_proposals(organization=office.org) == revision.route
