"""Mounted by review/urls.py at /staff/routes/ (namespace ``review:routes``)."""

from django.urls import path

from madoguchi.review.route_editor import views

app_name = "routes"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:route_id>/", views.edit, name="edit"),
    path("<int:route_id>/default/", views.make_default, name="make_default"),
]
