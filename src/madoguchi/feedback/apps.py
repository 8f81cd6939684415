from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "madoguchi.feedback"
    label = "feedback"

    def ready(self) -> None:
        from madoguchi.feedback import hooks

        hooks.register()
