from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "madoguchi.applications"
    label = "applications"

    def ready(self):
        from madoguchi.core.keyrotation import register_encrypted_field

        # マイナンバー fields keep tokens inside the data (procedures/fields/identity.py).
        register_encrypted_field("applications.Draft", "data", purposes=["mynumber"])
        register_encrypted_field("applications.Application", "data", purposes=["mynumber"])
        register_encrypted_field("applications.BulkRow", "data", purposes=["mynumber"])
