"""DCAT documents at ckanext-dcat's paths (``/catalog.ttl``, ``/dataset/<name>.jsonld``…), see dcat.py."""

from django.urls import re_path

from madoguchi.opendata import views

urlpatterns = [
    re_path(r"^catalog\.(?P<fmt>ttl|jsonld)$", views.catalog_rdf, name="dcat_catalog"),
    re_path(
        r"^dataset/(?P<name>[-a-zA-Z0-9_]+)\.(?P<fmt>ttl|jsonld)$", views.dataset_rdf, name="dcat_dataset"
    ),
]
