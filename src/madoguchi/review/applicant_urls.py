"""Applicant-facing pages of the review app (補正). Mount at /corrections/ in config/urls.py:

path("corrections/", include("madoguchi.review.applicant_urls")),
"""

from django.urls import path

from madoguchi.review import applicant_views

app_name = "corrections"
urlpatterns = [
    path("<uuid:correction_id>/", applicant_views.correction_respond, name="respond"),
    path("<uuid:correction_id>/done/", applicant_views.correction_done, name="done"),
]
