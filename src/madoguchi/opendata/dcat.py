"""DCAT 3 descriptions of the catalog and its datasets, built with rdflib (ckanext-dcat's paths).

``/catalog.ttl`` / ``/catalog.jsonld`` (paged with Hydra like ckanext-dcat: ``?page=N``) and
``/dataset/<name>.ttl`` / ``.jsonld``. Properties follow DCAT-AP's mandatory and recommended
ones where we have the data: title and description in Japanese (``@ja``), publisher,
keywords, theme (the CKAN group), licence, issued/modified, temporal coverage (the 年度),
frequency, language, landing page, and one distribution per resource with download URL, media
type and format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from madoguchi.opendata import selectors
from madoguchi.opendata.models import Dataset

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FREQUENCY_MONTHLY = URIRef("http://publications.europa.eu/resource/authority/frequency/MONTHLY")
LANGUAGE_JA = URIRef("http://publications.europa.eu/resource/authority/language/JPN")
CSV_MEDIA_TYPE = URIRef("http://www.iana.org/assignments/media-types/text/csv")
FORMAT_CSV = URIRef("http://publications.europa.eu/resource/authority/file-type/CSV")
PAGE_SIZE = 100
FORMATS = {"ttl": ("turtle", "text/turtle; charset=utf-8"), "jsonld": ("json-ld", "application/ld+json")}


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("hydra", HYDRA)):
        graph.bind(prefix, namespace)
    return graph


def _time(value: dt.datetime) -> Literal:
    return Literal(timezone.localtime(value).isoformat(timespec="seconds"), datatype=XSD.dateTime)


def dataset_uri(dataset: Dataset, base_url: str) -> URIRef:
    return URIRef(f"{base_url}/opendata/{dataset.name}/")


def _add_dataset(graph: Graph, dataset: Dataset, base_url: str, tags: Iterable[str]) -> URIRef:
    node = dataset_uri(dataset, base_url)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(dataset.name)))
    graph.add((node, DCTERMS.title, Literal(dataset.title, lang="ja")))
    graph.add((node, DCTERMS.description, Literal(dataset.notes, lang="ja")))
    graph.add((node, DCTERMS.issued, _time(dataset.metadata_created)))
    graph.add((node, DCTERMS.modified, _time(dataset.metadata_modified)))
    graph.add((node, DCTERMS.language, LANGUAGE_JA))
    if dataset.source != "staff":  # staff datasets change when staff upload a version
        graph.add((node, DCTERMS.accrualPeriodicity, FREQUENCY_MONTHLY))
    graph.add((node, DCAT.landingPage, node))
    for tag in tags:
        graph.add((node, DCAT.keyword, Literal(tag, lang="ja")))
    kind = selectors.kind_of(dataset)
    if kind is not None:
        theme = URIRef(f"{base_url}/opendata/?group={kind.key}")
        graph.add((node, DCAT.theme, theme))
    publisher = URIRef(f"{base_url}/opendata/?organization={dataset.organization.slug}")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(dataset.organization.name, lang="ja")))
    if dataset.fiscal_year:
        period = BNode(f"period-{dataset.name}")
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        start = dt.date(dataset.fiscal_year, 4, 1)
        graph.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        graph.add((period, DCAT.endDate, Literal(f"{dataset.fiscal_year + 1}-03-31", datatype=XSD.date)))
    if dataset.source == "staff":
        graph.add((node, URIRef(f"{DCAT}version"), Literal(str(dataset.version))))  # DCAT 3
    licence = URIRef(selectors.LICENSES.get(dataset.license_id, ("", dataset.license_id))[1])
    resource = selectors.resource_dict(dataset, base_url=base_url)
    distribution = URIRef(f"{base_url}/opendata/{dataset.name}/#{resource['id']}")
    graph.add((node, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.identifier, Literal(resource["id"])))
    graph.add((distribution, DCTERMS.title, Literal(resource["name"], lang="ja")))
    graph.add((distribution, DCAT.accessURL, node))
    graph.add((distribution, DCAT.downloadURL, URIRef(resource["url"])))
    graph.add((distribution, DCAT.mediaType, CSV_MEDIA_TYPE))
    graph.add((distribution, DCTERMS.format, FORMAT_CSV))
    graph.add((distribution, DCTERMS.license, licence))
    graph.add((distribution, DCTERMS.modified, _time(dataset.metadata_modified)))
    graph.add(
        (distribution, DCTERMS.conformsTo, URIRef(f"{base_url}/opendata/{dataset.name}/datapackage.json"))
    )
    graph.add((node, DCTERMS.license, licence))
    return node


def dataset_graph(dataset: Dataset, *, base_url: str) -> Graph:
    graph = _graph()
    _add_dataset(graph, dataset, base_url, selectors.tags_of([dataset])[dataset.pk])
    return graph


def catalog_graph(*, base_url: str, page: int = 1, page_size: int | None = None) -> Graph:
    """The catalog and one page of its datasets (by name), with Hydra paging."""
    page_size = page_size or PAGE_SIZE
    graph = _graph()
    catalog = URIRef(f"{base_url}/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("Madoguchi オープンデータ", lang="ja")))
    graph.add(
        (
            catalog,
            DCTERMS.description,
            Literal("KPI の集計表から自動で公開しているデータセットです。", lang="ja"),
        )
    )
    graph.add((catalog, DCTERMS.language, LANGUAGE_JA))
    graph.add((catalog, FOAF.homepage, URIRef(f"{base_url}/opendata/")))
    total = Dataset.objects.count()
    datasets = list(
        selectors.published().defer("rows").order_by("name")[(page - 1) * page_size : page * page_size]
    )
    tags = selectors.tags_of(datasets)
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, _add_dataset(graph, dataset, base_url, tags[dataset.pk])))
    latest = (
        Dataset.objects.order_by("-metadata_modified").values_list("metadata_modified", flat=True).first()
    )
    if latest:
        graph.add((catalog, DCTERMS.modified, _time(latest)))
    last = max(1, -(-total // page_size))
    if total > page_size:
        collection = URIRef(f"{base_url}/catalog.ttl?page={page}")
        graph.add((collection, RDF.type, HYDRA.PagedCollection))
        graph.add((collection, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
        graph.add((collection, HYDRA.itemsPerPage, Literal(page_size, datatype=XSD.integer)))
        graph.add((collection, HYDRA.firstPage, Literal(f"{base_url}/catalog.ttl?page=1")))
        graph.add((collection, HYDRA.lastPage, Literal(f"{base_url}/catalog.ttl?page={last}")))
        if page < last:
            graph.add((collection, HYDRA.nextPage, Literal(f"{base_url}/catalog.ttl?page={page + 1}")))
        if page > 1:
            graph.add((collection, HYDRA.previousPage, Literal(f"{base_url}/catalog.ttl?page={page - 1}")))
    return graph


def serialize(graph: Graph, fmt: str) -> tuple[str, str]:
    """(body, content type) for ``fmt`` "ttl" or "jsonld"."""
    rdflib_format, content_type = FORMATS[fmt]
    if rdflib_format == "json-ld":
        context = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "hydra": str(HYDRA)}
        return graph.serialize(format="json-ld", context=context, auto_compact=True), content_type
    return graph.serialize(format=rdflib_format), content_type
