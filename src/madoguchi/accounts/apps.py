from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "madoguchi.accounts"
    label = "accounts"

    def ready(self):
        from madoguchi.core.keyrotation import register_encrypted_field

        register_encrypted_field("accounts.SignInCarry", "payload", purposes=["sign-in-carry"])
        register_encrypted_field("accounts.TotpDevice", "secret", purposes=["totp", "totp-enrol"])
