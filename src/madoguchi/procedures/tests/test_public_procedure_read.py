"""procedure_get_public runs a statement written out once (core/hotpath.py): it must find
exactly what public_procedures() finds and load what its select_related did, no more reads."""

import pytest
from django.forms.models import model_to_dict
from django.http import Http404

from madoguchi.core.testing import make_department, make_organization, make_procedure
from madoguchi.procedures.constants import VersionStatus
from madoguchi.procedures.models import Procedure, ProcedureVersion
from madoguchi.procedures.selectors import procedure_get_public, public_procedures

pytestmark = pytest.mark.django_db


def test_it_finds_what_public_procedures_finds_and_nothing_else():
    organization = make_organization()
    found = make_procedure(organization, slug="open")
    hidden = make_procedure(organization, slug="hidden", is_public=False)
    unpublished = make_procedure(organization, slug="unpublished", published=False)
    draft_current = make_procedure(organization, slug="draft-current", published=False)
    Procedure.objects.filter(pk=draft_current.pk).update(
        current_version=ProcedureVersion.objects.get(procedure=draft_current, status=VersionStatus.DRAFT)
    )
    other = make_procedure(make_organization(), slug="open")
    public = set(public_procedures().values_list("pk", flat=True))
    assert public >= {found.pk, other.pk}
    assert not public & {hidden.pk, unpublished.pk, draft_current.pk}
    for procedure in (found, hidden, unpublished, draft_current, other):
        if procedure.pk in public:
            got = procedure_get_public(org_slug=procedure.organization.slug, procedure_slug=procedure.slug)
            assert got.pk == procedure.pk
        else:
            with pytest.raises(Http404):
                procedure_get_public(org_slug=procedure.organization.slug, procedure_slug=procedure.slug)
    with pytest.raises(Http404):
        procedure_get_public(org_slug="nowhere", procedure_slug="open")


def test_it_loads_the_organization_department_and_version_as_select_related_did(django_assert_num_queries):
    organization = make_organization()
    with_department = make_procedure(organization, department=make_department(organization))
    without = make_procedure(organization)
    for procedure in (with_department, without):
        with django_assert_num_queries(1):
            got = procedure_get_public(org_slug=organization.slug, procedure_slug=procedure.slug)
            assert got.organization.slug == organization.slug
            assert (got.department.pk if got.department else None) == procedure.department_id
            assert got.current_version.procedure is got
            assert got.current_version.number == 1
        procedure.refresh_from_db()
        assert model_to_dict(got) == model_to_dict(procedure)
        assert model_to_dict(got.current_version) == model_to_dict(procedure.current_version)
        assert got.current_version.definition == procedure.current_version.definition
        assert got.updated_at == procedure.updated_at
        assert got.organization.updated_at == organization.updated_at
