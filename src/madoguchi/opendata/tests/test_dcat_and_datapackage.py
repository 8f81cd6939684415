"""DCAT (rdflib parses the catalog and finds every dataset) and datapackage.json (frictionless)."""

from __future__ import annotations

import pytest
import requests
from frictionless import Package, system
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from madoguchi.opendata.dcat import HYDRA
from madoguchi.opendata.models import Dataset
from madoguchi.opendata.tests.conftest import name


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "rdf_format"), [("/catalog.ttl", "turtle"), ("/catalog.jsonld", "json-ld")])
def test_the_catalog_parses_and_lists_every_dataset(client, published, path, rdf_format):
    response = client.get(path)
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format=rdf_format)
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    listed = {str(graph.value(d, DCTERMS.identifier)) for d in graph.objects(catalogs[0], DCAT.dataset)}
    assert listed == set(Dataset.objects.values_list("name", flat=True))
    for dataset in graph.subjects(RDF.type, DCAT.Dataset):
        assert graph.value(dataset, DCTERMS.title).language == "ja"
        assert graph.value(dataset, DCTERMS.publisher) is not None
        assert graph.value(dataset, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
        distribution = graph.value(dataset, DCAT.distribution)
        assert str(graph.value(distribution, DCAT.downloadURL)).endswith(".csv")


@pytest.mark.django_db
def test_the_catalog_pages_with_hydra(client, published, monkeypatch):
    monkeypatch.setattr("madoguchi.opendata.dcat.PAGE_SIZE", 2)
    seen = set()
    for page in (1, 2, 3):
        graph = Graph().parse(data=client.get(f"/catalog.ttl?page={page}").content.decode(), format="turtle")
        seen |= {str(graph.value(d, DCTERMS.identifier)) for d in graph.subjects(RDF.type, DCAT.Dataset)}
        assert len(list(graph.subjects(RDF.type, HYDRA.PagedCollection))) == 1
    assert seen == set(Dataset.objects.values_list("name", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(("suffix", "rdf_format"), [("ttl", "turtle"), ("jsonld", "json-ld")])
def test_each_dataset_has_its_own_dcat(client, published, suffix, rdf_format):
    wanted = name("applications-monthly")
    response = client.get(f"/dataset/{wanted}.{suffix}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format=rdf_format)
    (dataset,) = graph.subjects(RDF.type, DCAT.Dataset)
    assert str(graph.value(dataset, DCTERMS.identifier)) == wanted
    assert {str(k) for k in graph.objects(dataset, DCAT.keyword)} >= {"申請件数", "KPI"}
    assert client.get(f"/dataset/nope.{suffix}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_frictionless_validates_every_published_resource(live_server, published):
    # our own HTTP session, closed at the end: no kept-alive connection outlives the live server
    with requests.Session() as session, system.use_context(trusted=True, http_session=session):
        for dataset in Dataset.objects.values_list("name", flat=True):
            descriptor = session.get(f"{live_server.url}/opendata/{dataset}/datapackage.json").json()
            report = Package(descriptor).validate()
            assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
            assert report.tasks[0].stats["rows"] == Dataset.objects.get(name=dataset).row_count
