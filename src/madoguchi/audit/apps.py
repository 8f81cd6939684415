from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "madoguchi.audit"
    label = "audit"

    def ready(self) -> None:
        from madoguchi.audit import hooks

        hooks.register()
