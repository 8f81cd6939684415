from django.urls import path

from madoguchi.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:org>/", views.dashboard, name="dashboard"),
    path("<slug:org>/chart/<slug:name>.svg", views.chart, name="chart"),
    path("<slug:org>/export/<slug:table>.<str:fmt>", views.export, name="export"),
    path("<slug:org>/refresh/", views.refresh, name="refresh"),
    path("<slug:org>/paper/", views.paper, name="paper"),
    path("<slug:org>/paper/import/", views.paper_import, name="paper_import"),
]
