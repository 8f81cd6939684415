"""The audit chain's page, mounted at /audit/ (config/urls.py); see accounts/audit_views.py."""

from django.urls import path

from madoguchi.accounts import audit_views

app_name = "audit"
urlpatterns = [path("", audit_views.chain_status, name="chain")]
