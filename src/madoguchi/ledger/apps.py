from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "madoguchi.ledger"
    label = "ledger"
    verbose_name = _("災害時都民台帳")

    def ready(self) -> None:
        from madoguchi.core.keyrotation import register_encrypted_field
        from madoguchi.ledger import notify  # noqa: F401  (registers the notification event)
        from madoguchi.ledger.protect import row_purpose

        # sealed with a purpose of their event (protect.py): `madoguchi crypto rotate` reseals them
        register_encrypted_field("ledger.Record", "payload", purpose_of=row_purpose("event_id"))
        register_encrypted_field("ledger.Change", "payload", purpose_of=row_purpose("upload__event_id"))
        register_encrypted_field(
            "ledger.RowError", "sealed_value", purpose_of=row_purpose("upload__event_id")
        )
