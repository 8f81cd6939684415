from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "madoguchi.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from madoguchi.knowledge import notifications
        from madoguchi.knowledge.search import hooks

        hooks.register()
        notifications.register()
