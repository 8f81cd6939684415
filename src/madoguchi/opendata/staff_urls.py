from django.urls import path

from madoguchi.opendata import staff_views

app_name = "opendata_staff"

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("<slug:org>/", staff_views.datasets, name="datasets"),
    path("dataset/<slug:name>/", staff_views.dataset, name="dataset"),
    path("dataset/<slug:name>/describe/", staff_views.describe, name="describe"),
    path("dataset/<slug:name>/withdraw/", staff_views.withdraw, name="withdraw"),
]
