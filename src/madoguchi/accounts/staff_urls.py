"""The staff door, mounted at /staff/ (before the review app's pages)."""

from django.urls import path

from madoguchi.accounts import staff_views

app_name = "staff_auth"
urlpatterns = [
    path("login/", staff_views.staff_login, name="login"),
    path("login/verify/", staff_views.staff_login_verify, name="login_verify"),
    path("login/enrol/", staff_views.staff_login_enrol, name="login_enrol"),
    path("logout/", staff_views.staff_logout, name="logout"),
    path("security/", staff_views.security, name="security"),
    path("security/totp/", staff_views.security_totp, name="security_totp"),
]
