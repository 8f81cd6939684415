from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "madoguchi.ideas"
    label = "ideas"
