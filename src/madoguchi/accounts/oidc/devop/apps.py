from django.apps import AppConfig


class DevOpConfig(AppConfig):
    name = "madoguchi.accounts.oidc.devop"
    label = "devop"
