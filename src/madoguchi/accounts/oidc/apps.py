from django.apps import AppConfig


class OidcConfig(AppConfig):
    """Its own app label, so its models and migrations stay apart from the accounts core."""

    name = "madoguchi.accounts.oidc"
    label = "accounts_oidc"
    verbose_name = "OpenID Connect"

    def ready(self) -> None:
        from madoguchi.accounts.oidc import checks  # noqa: F401 - registers the system check
        from madoguchi.core.keyrotation import register_encrypted_field

        register_encrypted_field("accounts_oidc.OidcIdentity", "profile", purposes=["oidc-profile"])
