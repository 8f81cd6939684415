"""The CKAN Action API subset, through the real ``ckanapi`` client against a live server."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ckanapi import NotFound, RemoteCKAN, ValidationError

from madoguchi.opendata.models import Dataset
from madoguchi.opendata.tests.conftest import FY, name

pytestmark = pytest.mark.django_db(transaction=True)
APPLICATIONS = name("applications-monthly")


@pytest.fixture
def ckan(live_server, published):
    # closed at the end, so no kept-alive connection outlives the live server's thread
    with RemoteCKAN(live_server.url, user_agent="madoguchi-test") as client:
        yield client


def test_ckanapi_lists_shows_and_searches(ckan):
    assert ckan.action.status_show()["ckan_version"]
    assert APPLICATIONS in ckan.action.package_list()
    assert (
        ckan.action.package_list(limit=2, offset=1)
        == sorted(Dataset.objects.values_list("name", flat=True))[1:3]
    )
    package = ckan.action.package_show(id=APPLICATIONS)
    assert package["organization"]["name"] == "ckanorg"
    assert package["resources"][0]["format"] == "CSV" and package["resources"][0]["datastore_active"]
    assert package["groups"][0]["name"] == "applications-monthly"
    found = ckan.action.package_search(
        q="申請件数", fq="organization:ckanorg res_format:CSV", rows=1, start=0
    )
    assert found["count"] == 1 and found["results"][0]["name"] == APPLICATIONS
    assert ckan.action.package_search(fq="organization:other")["count"] == 0
    assert ckan.action.package_search(fq="tags:満足度")["results"][0]["name"] == name("satisfaction-monthly")
    assert ckan.action.package_search(fq="groups:processing-times")["count"] == 1
    assert ckan.action.organization_list() == ["ckanorg"]
    assert ckan.action.organization_list(all_fields=True)[0]["package_count"] == 5
    assert ckan.action.organization_show(id="ckanorg")["title"] == "テスト市"
    assert ckan.action.resource_show(id=package["resources"][0]["id"])["url"].endswith(".csv")
    assert "applications-monthly" in ckan.action.group_list()
    assert ckan.action.group_show(id="satisfaction-monthly")["package_count"] == 1
    with pytest.raises(NotFound):
        ckan.action.package_show(id="nope")
    with pytest.raises(NotFound):
        ckan.action.group_show(id="nope")
    with pytest.raises(ValidationError):
        ckan.action.package_search(rows="many")
    with pytest.raises(ValidationError):
        ckan.action.package_search(fq="metadata_modified:[yesterday TO *]")


def test_package_search_counts_facets(ckan):
    found = ckan.action.package_search(
        **{"facet.field": ["organization", "tags", "res_format", "groups"], "rows": 0}
    )
    assert found["count"] == 5 and found["results"] == []
    assert found["facets"]["organization"] == {"ckanorg": 5}
    assert found["facets"]["res_format"] == {"CSV": 5}
    assert found["facets"]["tags"]["KPI"] == 5 and found["facets"]["tags"]["満足度"] == 1
    items = found["search_facets"]["organization"]["items"]
    assert items == [{"name": "ckanorg", "display_name": "テスト市", "count": 5}]


def test_a_harvester_pages_through_changes_since_a_date(ckan):
    """As CKAN's harvester does: fq metadata_modified since its last run, rows/start pages."""
    Dataset.objects.filter(name=name("processing-times")).update(
        metadata_modified=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    since = "metadata_modified:[2024-01-01T00:00:00Z TO *]"
    seen, start = [], 0
    while True:
        page = ckan.action.package_search(
            fq=f"+dataset_type:dataset {since}", rows=2, start=start, sort="metadata_modified asc"
        )
        seen += [p["name"] for p in page["results"]]
        start += 2
        if start >= page["count"]:
            break
    assert len(seen) == len(set(seen)) == 4
    assert name("processing-times") not in seen
    old = ckan.action.package_search(fq="metadata_modified:[* TO 2021-01-01T00:00:00Z]")
    assert [p["name"] for p in old["results"]] == [name("processing-times")]


def test_datastore_search_filters_q_fields_and_pages(ckan):
    resource = f"{APPLICATIONS}-csv"
    everything = ckan.action.datastore_search(resource_id=resource, limit=5)
    assert [f["id"] for f in everything["fields"]] == ["_id", "年度", "手続", "年月", "経路", "件数"]
    assert {f["id"]: f["type"] for f in everything["fields"]}["件数"] == "int"
    assert len(everything["records"]) == 5 and everything["total"] == 3 * 13 * 4
    month = f"{FY}-06"
    one = ckan.action.datastore_search(
        resource_id=resource, filters={"手続": "大きな手続", "年月": month, "経路": "オンライン"}
    )
    assert one["total"] == 1 and one["records"][0]["件数"] == 60
    hidden = ckan.action.datastore_search(
        resource_id=resource, filters={"手続": "小さな手続", "年月": f"{FY}-04", "経路": "オンライン"}
    )
    assert hidden["records"][0]["件数"] is None  # suppressed: null, never the 3
    by_text = ckan.action.datastore_search(
        resource_id=resource, q="小さな手続", fields=["手続", "件数"], limit=2, offset=2
    )
    assert by_text["total"] == 13 * 4 and len(by_text["records"]) == 2
    assert set(by_text["records"][0]) == {"手続", "件数"}
    page_two = ckan.action.datastore_search(resource_id=resource, limit=5, offset=5)
    assert [r["_id"] for r in page_two["records"]] == [6, 7, 8, 9, 10]
    with pytest.raises(ValidationError):
        ckan.action.datastore_search(resource_id=resource, filters={"nope": "1"})
    with pytest.raises(NotFound):
        ckan.action.datastore_search(resource_id="nope-csv")


def test_ckanapi_dump_datasets_all(live_server, published, tmp_path: Path):
    out = tmp_path / "datasets.jsonl"
    bin_dir = str(Path(sys.executable).parent)  # the ckanapi command starts workers named "ckanapi"
    subprocess.run(
        ["ckanapi", "dump", "datasets", "--all", "-q", "-O", str(out), "-r", live_server.url],
        check=True,
        timeout=120,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
    )
    dumped = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(d["name"] for d in dumped) == sorted(Dataset.objects.values_list("name", flat=True))
    assert all(d["resources"][0]["url"].startswith(live_server.url) for d in dumped)


def test_get_on_both_paths_answers_the_ckan_envelope(client, published):
    for path in ("/api/3/action/package_list", "/api/action/package_list"):
        body = client.get(path).json()
        assert body["success"] is True and APPLICATIONS in body["result"] and "help" in body
    missing = client.get("/api/3/action/package_show?id=nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["__type"] == "Not Found Error"
    posted = client.post(
        "/api/3/action/datastore_search",
        data=json.dumps({"resource_id": f"{APPLICATIONS}-csv", "limit": 1}),
        content_type="application/json",
    ).json()
    assert posted["success"] and len(posted["result"]["records"]) == 1
