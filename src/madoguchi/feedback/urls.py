from django.urls import path

from madoguchi.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.public_index, name="public_index"),
    path("staff/", views.staff_index, name="staff_index"),
    path("staff/export.csv", views.staff_export_csv, name="staff_export_csv"),
    path("staff/export.xlsx", views.staff_export_xlsx, name="staff_export_xlsx"),
    path("staff/<slug:org_slug>/settings/", views.staff_settings, name="staff_settings"),
    path("staff/<slug:org_slug>/counters/new/", views.staff_point_new, name="staff_point_new"),
    path("staff/points/<str:code>/", views.staff_point, name="staff_point"),
    path("staff/points/<str:code>/poster/", views.staff_poster, name="staff_poster"),
    path("staff/points/<str:code>/note/", views.staff_note, name="staff_note"),
    path("staff/points/<str:code>/action/", views.staff_point_action, name="staff_point_action"),
    path("v/<str:token>/", views.review_visit, name="review_visit"),
    path("<str:code>/", views.review, name="review"),
    path("<str:code>/thanks/", views.thanks, name="thanks"),
]
