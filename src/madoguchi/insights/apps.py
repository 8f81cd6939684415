from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "madoguchi.insights"
    label = "insights"

    def ready(self) -> None:
        from madoguchi.insights import hooks

        hooks.register()
