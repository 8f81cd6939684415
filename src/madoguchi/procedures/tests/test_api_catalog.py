import pytest

from madoguchi.core.testing import ApiClient, make_organization, make_procedure
from madoguchi.procedures.constants import Category, VersionStatus
from madoguchi.procedures.models import ProcedureVersion

pytestmark = pytest.mark.django_db


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["items"]]


def test_catalog_lists_published_public_procedures_without_sign_in():
    make_procedure(slug="open")
    make_procedure(slug="unpublished", published=False)
    make_procedure(slug="internal", is_public=False)
    response = ApiClient().get("/procedures")
    assert response.status_code == 200
    assert slugs(response) == ["open"]
    item = response.json()["items"][0]
    assert item["version"] == 1
    assert item["organization"]["slug"]


def test_catalog_filters_by_keyword_category_and_organization():
    kyosai = make_organization(slug="kyosai")
    make_procedure(kyosai, slug="kogaku", title="高額療養費の支給申請", category=Category.HEALTH)
    make_procedure(kyosai, slug="kenshu", title="研修の申込", category=Category.WORK)
    make_procedure(slug="kogaku-other", title="高額療養費の支給申請", category=Category.HEALTH)
    api = ApiClient()
    assert sorted(slugs(api.get("/procedures", {"q": "療養費"}))) == ["kogaku", "kogaku-other"]
    assert slugs(api.get("/procedures", {"category": "work"})) == ["kenshu"]
    assert slugs(api.get("/procedures", {"q": "療養費", "organization": "kyosai"})) == ["kogaku"]


def test_catalog_is_paginated():
    organization = make_organization()
    for n in range(5):
        make_procedure(organization, slug=f"p{n}", title=f"手続{n}")
    page = ApiClient().get("/procedures", {"page": 2, "page_size": 2}).json()
    assert (page["count"], page["page"], page["pages"]) == (5, 2, 3)
    assert [item["slug"] for item in page["items"]] == ["p2", "p3"]
    assert ApiClient().get("/procedures", {"page": 9, "page_size": 2}).json()["items"] == []


def test_unknown_category_answers_422_naming_the_field():
    response = ApiClient().get("/procedures", {"category": "nonsense"})
    assert response.status_code == 422
    assert "category" in response.json()["error"]["fields"]


def test_out_of_range_page_size_answers_422_in_japanese():
    response = ApiClient().get("/procedures", {"page_size": 1000})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["page_size"] == ["100以下で指定してください。"]


def test_detail_returns_the_current_published_definition_and_its_version():
    procedure = make_procedure(slug="kogaku", title="高額療養費の支給申請")
    ProcedureVersion.objects.create(
        procedure=procedure, number=2, definition={"steps": []}, status=VersionStatus.DRAFT
    )
    response = ApiClient().get(f"/procedures/{procedure.organization.slug}/kogaku")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "高額療養費の支給申請"
    assert body["version"]["number"] == 1  # the unpublished version 2 is not shown
    assert body["definition"]["steps"][0]["fields"][0]["key"] == "name"


def test_detail_of_an_unpublished_or_unknown_procedure_answers_404():
    hidden = make_procedure(slug="hidden", published=False)
    api = ApiClient()
    for path in (f"/procedures/{hidden.organization.slug}/hidden", "/procedures/nowhere/nothing"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
