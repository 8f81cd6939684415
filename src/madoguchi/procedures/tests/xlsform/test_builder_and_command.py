"""XLSForm in the builder (upload, replace a draft, undo) and the import command."""

from __future__ import annotations

import io

import pytest

from madoguchi.procedures.tests.xlsform.samples import (
    HOUSEHOLD,
    workbook,
)
from madoguchi.procedures.xlsform import definition_from_xlsform


@pytest.fixture
def owner(db):
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_staff

    organization = make_organization()
    return make_staff(organization, role=Role.OWNER), organization


def upload(data: bytes, name: str = "form.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return file


def test_an_xlsform_uploaded_in_the_builder_becomes_a_draft_procedure(client, owner):
    from django.urls import reverse

    from madoguchi.procedures.models import Procedure

    user, organization = owner
    client.force_login(user)
    response = client.post(
        reverse("builder:import"), {"organization": organization.pk, "file": upload(HOUSEHOLD)}
    )
    assert response.status_code == 302
    procedure = Procedure.objects.get(organization=organization)
    assert procedure.title == "世帯調査" and procedure.current_version is None and not procedure.is_public
    assert [s["key"] for s in procedure.draft.definition["steps"]] == ["household", "people"]
    exported = client.get(reverse("builder:export_xlsform", args=[procedure.pk]))
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert definition_from_xlsform(exported.content)[0] == procedure.draft.definition


def test_a_broken_xlsform_in_the_builder_lists_the_problems_and_creates_nothing(client, owner):
    from django.urls import reverse

    from madoguchi.procedures.models import Procedure

    user, organization = owner
    client.force_login(user)
    data = workbook(survey=[["type", "name", "label"], ["geopoint", "where", "場所"]])
    response = client.post(reverse("builder:import"), {"organization": organization.pk, "file": upload(data)})
    assert response.status_code == 422
    assert "surveyシート 2行目 A列（type）" in response.content.decode()
    assert not Procedure.objects.filter(organization=organization).exists()


def test_an_xlsform_replaces_a_draft_and_undo_brings_it_back(client, owner):
    from django.urls import reverse

    from madoguchi.core.testing import make_procedure

    user, organization = owner
    client.force_login(user)
    procedure = make_procedure(organization)
    from madoguchi.procedures import services

    before = services.procedure_draft(procedure=procedure).definition
    client.post(reverse("builder:import_into", args=[procedure.pk]), {"file": upload(HOUSEHOLD)})
    procedure.draft.refresh_from_db()
    assert procedure.draft.definition["steps"][0]["key"] == "household"
    client.post(reverse("builder:undo", args=[procedure.pk]))
    procedure.draft.refresh_from_db()
    assert procedure.draft.definition == before


def test_the_command_imports_an_xlsform_for_an_organization(owner, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from madoguchi.procedures.models import Procedure

    user, organization = owner
    path = tmp_path / "household.xlsx"
    path.write_bytes(HOUSEHOLD)
    out = io.StringIO()
    call_command(
        "procedures",
        "import-xlsform",
        str(path),
        "--organization",
        organization.slug,
        "--user",
        user.email,
        stdout=out,
    )
    assert "imported as a draft" in out.getvalue()
    assert Procedure.objects.filter(organization=organization, title="世帯調査").count() == 1
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(workbook(survey=[["type", "name", "label"], ["geopoint", "where", "場所"]]))
    with pytest.raises(CommandError):
        call_command(
            "procedures",
            "import-xlsform",
            str(broken),
            "--organization",
            organization.slug,
            "--user",
            user.email,
            stderr=io.StringIO(),
        )
    assert Procedure.objects.filter(organization=organization).count() == 1
