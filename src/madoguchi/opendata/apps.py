from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "madoguchi.opendata"
    label = "opendata"
