from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data as an app without models: it is installed only so that its management
    command (``madoguchi load_demo``) lives with it, not in core (issue 12)."""

    name = "madoguchi.demo"
    label = "demo"
    verbose_name = "Demo data"
