from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "madoguchi.ideas"
    label = "ideas"

    def ready(self) -> None:
        from madoguchi.ideas import searching
        from madoguchi.ideas.notify import register_events

        register_events()
        searching.register()
