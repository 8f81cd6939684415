from django.urls import path

from madoguchi.ideas import views

app_name = "ideas"

urlpatterns = [
    path("", views.index, name="index"),
    path("work/", views.work, name="work"),
    path("mute/<str:token>/", views.mute, name="mute"),
    path("manage/<slug:org>/new/", views.space_edit, name="space_new"),
    path("manage/<slug:org>/<slug:space>/", views.space_edit, name="space_edit"),
    path("<slug:org>/<slug:space>/", views.space, name="space"),
    path("<slug:org>/<slug:space>/new/", views.new, name="new"),
    path("<slug:org>/<slug:space>/realized/", views.realized, name="realized"),
    path("<slug:org>/<slug:space>/p/<int:pk>/", views.proposal, name="proposal"),
    path("<slug:org>/<slug:space>/p/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path(
        "<slug:org>/<slug:space>/p/<int:pk>/files/<uuid:file_id>/",
        views.proposal_attachment,
        name="proposal_attachment",
    ),
    path("<slug:org>/<slug:space>/q/<int:pk>/", views.question, name="question"),
]
