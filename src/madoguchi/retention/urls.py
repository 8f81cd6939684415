from django.urls import path

from madoguchi.retention import views

app_name = "retention"
urlpatterns = [
    path("holds/", views.holds, name="holds"),
    path("holds/<uuid:application_id>/", views.hold, name="hold"),
    path("me/", views.me, name="me"),
    path("me/data.<str:fmt>", views.my_data, name="my_data"),
    path("me/close/", views.close, name="close"),
    path("closed/", views.closed, name="closed"),
]
