"""Mounted by review/urls.py at /staff/cases/<case_id>/paper-decision/ (names in ``review:``)."""

from django.urls import path

from madoguchi.review import paper_views

urlpatterns = [
    path("", paper_views.paper_decision, name="paper_decision"),
    path("scan/", paper_views.paper_decision_scan, name="paper_decision_scan"),
]
