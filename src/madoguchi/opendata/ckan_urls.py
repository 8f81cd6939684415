"""CKAN's action API paths (``/api/3/action/<name>`` and ``/api/action/<name>``), see ckan.py."""

from django.urls import path

from madoguchi.opendata import ckan

urlpatterns = [
    path("3/action/<str:name>", ckan.action, name="ckan_action"),
    path("action/<str:name>", ckan.action, name="ckan_action_unversioned"),
]
