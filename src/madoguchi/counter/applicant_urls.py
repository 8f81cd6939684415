"""Applicant pages of the counter app, mounted under /applications/ (config/urls.py): the code a
visitor shows at the counter so staff take over the draft (カウンターで見せるQRコード)."""

from django.urls import path

from madoguchi.counter import applicant_views

app_name = "handoff"
urlpatterns = [
    path("drafts/<uuid:draft_id>/handoff/", applicant_views.draft_handoff, name="draft"),
]
