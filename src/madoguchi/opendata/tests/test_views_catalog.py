"""Public catalog pages: search, filters with counts, the dataset page with its preview."""

from __future__ import annotations

import pytest

from madoguchi.opendata.tests.conftest import name

pytestmark = pytest.mark.django_db


def test_the_catalog_lists_searches_and_filters(client, published):
    page = client.get("/opendata/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "5 件のデータセット" in text and "テスト市（5）" in text
    found = client.get("/opendata/", {"q": "満足度"}).content.decode()
    assert "1 件のデータセット" in found and name("satisfaction-monthly") in found
    filtered = client.get("/opendata/", {"tags": "処理日数", "organization": "ckanorg"}).content.decode()
    assert "1 件のデータセット" in filtered and name("processing-times") in filtered
    assert "0 件のデータセット" in client.get("/opendata/", {"q": "存在しない言葉"}).content.decode()


def test_the_dataset_page_shows_licence_downloads_and_a_preview(client, published):
    page = client.get(f"/opendata/{name('applications-monthly')}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Creative Commons Attribution 4.0" in text
    assert f"{name('applications-monthly')}-csv.csv" in text and "datapackage.json" in text
    assert "/api/3/action/datastore_search" in text and f"/dataset/{name('applications-monthly')}.ttl" in text
    assert "秘匿" in text and "<table" in text
    assert client.get("/opendata/nope/").status_code == 404


def test_the_catalog_is_in_the_menu_for_everyone(client, published):
    assert 'href="/opendata/"' in client.get("/").content.decode()
