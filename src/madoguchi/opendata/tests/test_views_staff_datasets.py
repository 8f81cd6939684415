"""Staff publish a CSV/Excel table as a dataset and new versions of it; visitors and CKAN see it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_department, make_organization, make_staff
from madoguchi.opendata.models import Dataset, DatasetVersion, UploadHold

pytestmark = pytest.mark.django_db

GOOD = "団体コード,避難所,収容人数,開設日\r\n131041,新宿小学校,300,2026-04-01\r\n131041,新宿中学校,250,2026-04-02\r\n"
NEXT = GOOD + "131041,大久保小学校,120,2026-05-01\r\n"


@pytest.fixture
def org():
    return make_organization(slug="shinjuku", name="新宿区")


@pytest.fixture
def bousai(org):
    return make_department(org, slug="bousai", name="防災課")


@pytest.fixture
def staff(org, bousai):
    return make_staff(org, Role.OWNER, bousai)


def upload(text: str, name: str = "shelters.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def form(**extra):
    data = {
        "title": "避難所一覧",
        "notes": "区内の指定避難所。収容人数は人。",
        "department": "bousai",
        "license_id": "gov-std-2.0",
        "tags": "防災、避難所",
        "fiscal_year": "2026",
        "name": "shelters",
    }
    data.update(extra)
    return data


def test_staff_publish_a_csv_and_it_is_in_the_catalog_and_ckan(client, staff):
    client.force_login(staff)
    response = client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD, encoding="cp932")})
    assert response.status_code == 302
    dataset = Dataset.objects.get(name="shinjuku-shelters")
    assert (dataset.source, dataset.version, dataset.row_count, dataset.license_id) == (
        "staff",
        1,
        2,
        "gov-std-2.0",
    )
    client.logout()
    page = client.get("/opendata/shinjuku-shelters/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "政府標準利用規約（第2.0版）（CC BY 4.0 互換）" in text and "新宿小学校" in text
    shown = client.get("/api/3/action/package_show", {"id": "shinjuku-shelters"}).json()["result"]
    assert shown["license_id"] == "gov-std-2.0" and shown["version"] == "1"
    assert sorted(t["name"] for t in shown["tags"]) == sorted(["防災", "避難所"])
    found = client.get("/api/3/action/package_search", {"q": "避難所"}).json()["result"]
    assert [p["name"] for p in found["results"]] == ["shinjuku-shelters"]
    records = client.get("/api/3/action/datastore_search", {"resource_id": "shinjuku-shelters-csv"}).json()[
        "result"
    ]
    assert {f["id"]: f["type"] for f in records["fields"]}["収容人数"] == "int"
    assert records["records"][0]["団体コード"] == "131041"
    # the CSV goes out as UTF-8 with BOM, whatever the upload was
    body = b"".join(client.get("/opendata/shinjuku-shelters/shinjuku-shelters-csv.csv").streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1] == [
        "131041",
        "新宿小学校",
        "300",
        "2026-04-01",
    ]


def test_a_refused_file_answers_422_with_rows_and_columns_and_keeps_what_was_typed(client, staff):
    client.force_login(staff)
    bad = "団体コード,避難所,収容人数\r\n131040,新宿小学校,300人\r\n"
    response = client.post("/opendata/staff/shinjuku/", {**form(title="避難所の一覧"), "file": upload(bad)})
    assert response.status_code == 422
    text = response.content.decode()
    assert "2 行目・「団体コード」列" in text and "2 行目・「収容人数」列" in text
    assert 'value="避難所の一覧"' in text
    assert not Dataset.objects.exists()
    assert not UploadHold.objects.exists()  # a refused file is not kept: a fixed one must be chosen


def test_a_good_file_is_kept_when_only_the_description_was_refused(client, staff):
    client.force_login(staff)
    response = client.post("/opendata/staff/shinjuku/", {**form(title=""), "file": upload(GOOD)})
    assert response.status_code == 422
    hold = UploadHold.objects.get()
    assert f'name="hold" value="{hold.pk}"' in response.content.decode()
    again = client.post("/opendata/staff/shinjuku/", {**form(), "hold": str(hold.pk)})
    assert again.status_code == 302
    assert Dataset.objects.get().row_count == 2
    assert not UploadHold.objects.exists()


def test_a_new_version_keeps_the_old_one_and_must_match_the_schema(client, staff):
    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    renamed = GOOD.replace("収容人数", "定員")
    refused = client.post(
        "/opendata/staff/dataset/shinjuku-shelters/", {"note": "定員に", "file": upload(renamed)}
    )
    assert refused.status_code == 422
    assert "見出しが前の版と違います" in refused.content.decode()
    # the page's <title> is its name, and the description form is on the page once
    title = refused.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<form" not in title and "<h2>" not in title
    assert refused.content.decode().count('id="id_title"') == 1
    ok = client.post(
        "/opendata/staff/dataset/shinjuku-shelters/", {"note": "大久保小学校を追加", "file": upload(NEXT)}
    )
    assert ok.status_code == 302
    dataset = Dataset.objects.get()
    assert (dataset.version, dataset.row_count) == (2, 3)
    assert list(DatasetVersion.objects.values_list("number", flat=True).order_by("number")) == [1, 2]
    client.logout()
    old = b"".join(client.get("/opendata/shinjuku-shelters/v1.csv").streaming_content).decode("utf-8-sig")
    assert "大久保小学校" not in old and "新宿中学校" in old
    assert "第 2 版" in client.get("/opendata/shinjuku-shelters/").content.decode()


def test_the_published_package_validates_with_frictionless(live_server, staff, client):
    from frictionless import Package

    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    report = Package(f"{live_server.url}/opendata/shinjuku-shelters/datapackage.json").validate()
    assert report.valid, report.flatten(["rowNumber", "fieldNumber", "type", "note"])


def test_staff_of_another_department_or_organization_get_404(client, org, staff):
    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    other = make_staff(org, Role.OWNER, make_department(org, slug="kosodate", name="子育て課"))
    client.force_login(other)
    assert client.get("/opendata/staff/dataset/shinjuku-shelters/").status_code == 404
    refused = client.post("/opendata/staff/shinjuku/", {**form(name="mine"), "file": upload(GOOD)})
    assert refused.status_code == 422  # may not publish for 防災課
    stranger = make_staff(make_organization(slug="elsewhere"), Role.ADMIN, None)
    client.force_login(stranger)
    assert client.get("/opendata/staff/dataset/shinjuku-shelters/").status_code == 404
    assert client.get("/opendata/staff/shinjuku/").status_code == 404


def test_the_automatic_publication_leaves_staff_datasets_alone(client, staff):
    from madoguchi.opendata.services import datasets_publish

    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    datasets_publish()
    assert Dataset.objects.get(name="shinjuku-shelters").version == 1


def test_staff_datasets_have_no_empty_group_facet(client, staff):
    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    found = client.get("/api/3/action/package_search", {"facet.field": '["groups","license_id"]'}).json()
    assert found["result"]["facets"]["groups"] == {}
    assert found["result"]["facets"]["license_id"] == {"gov-std-2.0": 1}


def test_a_staff_dataset_is_in_the_dcat_catalog_with_its_version_and_licence(client, staff):
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCAT, DCTERMS

    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    client.post("/opendata/staff/dataset/shinjuku-shelters/", {"file": upload(NEXT)})
    client.logout()
    catalog = Graph().parse(data=client.get("/catalog.ttl").content, format="turtle")
    node = URIRef("http://testserver/opendata/shinjuku-shelters/")
    assert (None, DCAT.dataset, node) in catalog
    one = Graph().parse(data=client.get("/dataset/shinjuku-shelters.jsonld").content, format="json-ld")
    assert (node, URIRef(f"{DCAT}version"), Literal("2")) in one
    assert (node, DCTERMS.license, URIRef("https://www.digital.go.jp/resources/open_data/")) in one


def test_staff_change_the_description_and_licence_422_next_to_the_field(client, staff):
    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    url = "/opendata/staff/dataset/shinjuku-shelters/describe/"
    refused = client.post(url, {**form(title="", license_id="cc-by-4.0"), "notes": "新しい説明"})
    assert refused.status_code == 422
    assert 'id="e-title"' in refused.content.decode() and "新しい説明" in refused.content.decode()
    assert client.post(url, {**form(license_id="cc-by-4.0"), "notes": "新しい説明"}).status_code == 302
    dataset = Dataset.objects.get()
    assert (dataset.license_id, dataset.notes, dataset.version) == ("cc-by-4.0", "新しい説明", 1)


def test_staff_withdraw_a_dataset_with_a_reason_it_leaves_every_public_door_and_comes_back(
    client, staff, org
):
    from madoguchi.audit.models import AuditEntry

    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    url = "/opendata/staff/dataset/shinjuku-shelters/withdraw/"
    refused = client.post(url, {"action": "withdraw", "reason": "  "})
    assert refused.status_code == 422
    assert "取り下げる理由を入力してください" in refused.content.decode()
    assert Dataset.objects.filter(name="shinjuku-shelters").exists()

    assert (
        client.post(url, {"action": "withdraw", "reason": "収容人数に誤りがありました。"}).status_code == 302
    )
    staff_page = client.get("/opendata/staff/dataset/shinjuku-shelters/").content.decode()
    assert "収容人数に誤りがありました。" in staff_page
    assert "カタログに戻す" in staff_page
    assert "避難所一覧" in client.get("/opendata/staff/shinjuku/").content.decode()  # staff still list it

    client.logout()
    gone = client.get("/opendata/shinjuku-shelters/")
    assert gone.status_code == 410 and "収容人数に誤りがありました。" in gone.content.decode()
    assert "新宿小学校" not in gone.content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/opendata/shinjuku-shelters/").content.decode()
    assert "withdrew this data" in english and "Why it was withdrawn" in english
    del client.cookies["django_language"]
    assert "shinjuku-shelters" not in client.get("/api/3/action/package_list").json()["result"]
    assert client.get("/api/3/action/package_show", {"id": "shinjuku-shelters"}).status_code == 404
    assert client.get("/api/3/action/package_search", {"q": "避難所"}).json()["result"]["count"] == 0
    assert "shinjuku-shelters" not in client.get("/catalog.ttl").content.decode()
    assert client.get("/opendata/shinjuku-shelters/v1.csv").status_code == 404
    assert "避難所一覧" not in client.get("/opendata/").content.decode()

    client.force_login(staff)
    assert client.post(url, {"action": "restore"}).status_code == 302
    client.logout()
    assert client.get("/opendata/shinjuku-shelters/").status_code == 200
    assert "shinjuku-shelters" in client.get("/api/3/action/package_list").json()["result"]
    actions = list(
        AuditEntry.objects.filter(action__startswith="opendata.dataset_w").values_list("action", flat=True)
    )
    assert actions == ["opendata.dataset_withdrawn"]
    assert AuditEntry.objects.filter(action="opendata.dataset_restored").count() == 1


def test_another_departments_staff_cannot_withdraw_it(client, staff, org):
    client.force_login(staff)
    client.post("/opendata/staff/shinjuku/", {**form(), "file": upload(GOOD)})
    other = make_staff(org, Role.OWNER, make_department(org, slug="kosei", name="戸籍住民課"))
    client.force_login(other)
    url = "/opendata/staff/dataset/shinjuku-shelters/withdraw/"
    assert client.post(url, {"action": "withdraw", "reason": "誤り"}).status_code == 404
    assert Dataset.objects.filter(name="shinjuku-shelters").exists()
