from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "madoguchi.procedures"
    label = "procedures"

    def ready(self):
        from madoguchi.core.keyrotation import register_encrypted_field

        register_encrypted_field("procedures.BulkRow", "data", purposes=["mynumber"])
