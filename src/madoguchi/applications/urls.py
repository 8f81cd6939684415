from django.urls import path

from madoguchi.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<uuid:application_id>/", views.detail, name="detail"),
]
