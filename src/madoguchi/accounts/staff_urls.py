"""The staff door, mounted at /staff/ (before the review app's pages)."""

from django.urls import path

from madoguchi.accounts import staff_views

app_name = "staff_auth"
urlpatterns = [
    path("login/", staff_views.staff_login, name="login"),
    path("login/verify/", staff_views.staff_login_verify, name="login_verify"),
    path("login/enrol/", staff_views.staff_login_enrol, name="login_enrol"),
    path("login/passkey/options/", staff_views.passkey_sign_in_options, name="passkey_sign_in_options"),
    path("login/passkey/", staff_views.passkey_sign_in_verify, name="passkey_sign_in_verify"),
    path("logout/", staff_views.staff_logout, name="logout"),
    path("security/", staff_views.security, name="security"),
    path("security/totp/", staff_views.security_totp, name="security_totp"),
    path("security/passkeys/options/", staff_views.passkey_register_options, name="passkey_register_options"),
    path("security/passkeys/", staff_views.passkey_register_verify, name="passkey_register_verify"),
    path("security/passkeys/<int:passkey_id>/remove/", staff_views.passkey_remove, name="passkey_remove"),
]
