from django.urls import path

from madoguchi.opendata import views

app_name = "opendata"

urlpatterns = [
    path("<slug:name>/<slug:resource>.csv", views.resource_csv, name="resource_csv"),
]
