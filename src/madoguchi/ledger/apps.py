from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "madoguchi.ledger"
    label = "ledger"
    verbose_name = _("災害時都民台帳")

    def ready(self) -> None:
        from madoguchi.ledger import notify  # noqa: F401  (registers the notification event)
