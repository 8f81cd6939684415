from django.urls import path

from madoguchi.opendata import views

app_name = "opendata"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<slug:name>/", views.dataset, name="dataset"),
    path("<slug:name>/datapackage.json", views.package_json, name="datapackage"),
    path("<slug:name>/v<int:number>.csv", views.version_csv, name="version_csv"),
    path("<slug:name>/<slug:resource>.csv", views.resource_csv, name="resource_csv"),
]
