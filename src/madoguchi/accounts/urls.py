from django.urls import path

from madoguchi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/<str:token>/", views.login_verify, name="login_verify"),
    path("logout/", views.logout_view, name="logout"),
]
