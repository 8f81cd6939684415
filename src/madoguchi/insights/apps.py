from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "madoguchi.insights"
    label = "insights"
