"""一括提出 pages, mounted at /builder/bulk/ beside the builder (config/urls.py)."""

from django.urls import path

from madoguchi.applications.views import bulk

app_name = "bulk"

urlpatterns = [
    path("", bulk.index, name="index"),
    path("<int:procedure_id>/", bulk.upload, name="upload"),
    path("uploads/<uuid:upload_id>/", bulk.result, name="result"),
]
