from django.urls import path

from madoguchi.procedures import views

app_name = "procedures"
urlpatterns = [
    path("", views.catalog, name="catalog"),
]
