from django.apps import AppConfig


class OidcConfig(AppConfig):
    """Its own app label, so its models and migrations stay apart from the accounts core."""

    name = "madoguchi.accounts.oidc"
    label = "accounts_oidc"
    verbose_name = "OpenID Connect"
