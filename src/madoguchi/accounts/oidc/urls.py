from django.urls import path

from madoguchi.accounts.oidc import views

app_name = "accounts_oidc"
urlpatterns = [
    path("link/", views.oidc_link, name="link"),
    path("link/complete/", views.oidc_link_complete, name="link_complete"),
    path("<slug:provider_id>/login/", views.oidc_login, name="login"),
    path("<slug:provider_id>/callback/", views.oidc_callback, name="callback"),
]
