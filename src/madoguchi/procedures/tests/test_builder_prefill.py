"""The builder sets where a field's first value comes from (``prefill``): nothing, the
applicant's account (editable), or a verified claim (locked; docs/identity.md)."""

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.procedures.models import Procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client):
    org = make_organization()
    client.force_login(make_staff(org, role=Role.OWNER))
    client.org = org
    return client


def add_field(client, procedure, type_id: str, label: str) -> str:
    procedure.draft.refresh_from_db()
    response = client.post(
        reverse("builder:operate", args=[procedure.pk]),
        {
            "revision": procedure.draft.revision,
            "op": "add_field",
            "step_key": "step1",
            "type_id": type_id,
            "label": label,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def spec_of(procedure, key: str) -> dict:
    procedure.draft.refresh_from_db()
    for step in procedure.draft.definition["steps"]:
        for spec in step["fields"]:
            if spec["key"] == key:
                return spec
    raise AssertionError(key)


def save_field(client, procedure, key: str, label: str, **options):
    procedure.draft.refresh_from_db()
    return client.post(
        reverse("builder:field", args=[procedure.pk, key]),
        {"revision": procedure.draft.revision, "key": key, "label": label, **options},
    )


def empty_procedure(client):
    client.post(
        reverse("builder:create"),
        {"title": "住民票の写しの請求", "fee_kind": "none", "identity_level": "mynumber_card"},
    )
    return Procedure.objects.get(title="住民票の写しの請求")


def test_the_field_editor_sets_verified_prefill_for_name_address_and_birth_date(owner_client):
    procedure = empty_procedure(owner_client)
    name = add_field(owner_client, procedure, "name", "氏名")
    address = add_field(owner_client, procedure, "address", "住所")
    birth = add_field(owner_client, procedure, "date", "生年月日")

    page = owner_client.get(reverse("builder:field", args=[procedure.pk, name])).content.decode()
    assert "最初から入れておく値" in page
    assert 'type="radio"' in page and 'value="name"' in page and 'value="true"' in page

    assert save_field(owner_client, procedure, name, "氏名", **{"opt.prefill": "name"}).status_code == 302
    assert spec_of(procedure, name)["prefill"] == "name"
    assert (
        save_field(owner_client, procedure, address, "住所", **{"opt.prefill": "address"}).status_code == 302
    )
    assert spec_of(procedure, address)["prefill"] == "address"
    assert (
        save_field(owner_client, procedure, birth, "生年月日", **{"opt.prefill": "birth_date"}).status_code
        == 302
    )
    assert spec_of(procedure, birth)["prefill"] == "birth_date"

    # the page shows the choice made; saving other changes keeps it (it is not turned into `true`)
    page = owner_client.get(reverse("builder:field", args=[procedure.pk, name])).content.decode()
    assert 'value="name" checked' in page
    response = save_field(
        owner_client, procedure, name, "申請者の氏名", **{"opt.prefill": "name", "opt.kana": "on"}
    )
    assert response.status_code == 302
    assert spec_of(procedure, name)["prefill"] == "name"

    # the account's name (editable), then nothing
    save_field(owner_client, procedure, name, "氏名", **{"opt.prefill": "true", "opt.kana": "on"})
    assert spec_of(procedure, name)["prefill"] is True
    save_field(owner_client, procedure, name, "氏名", **{"opt.prefill": "", "opt.kana": "on"})
    assert "prefill" not in spec_of(procedure, name)


def test_a_claim_the_field_cannot_take_is_refused_next_to_the_input(owner_client):
    procedure = empty_procedure(owner_client)
    birth = add_field(owner_client, procedure, "date", "生年月日")
    response = save_field(owner_client, procedure, birth, "生年月日", **{"opt.prefill": "name"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "選択肢から選んでください。" in body
    assert 'value="生年月日"' in body  # what was typed stays
    assert "prefill" not in spec_of(procedure, birth)
