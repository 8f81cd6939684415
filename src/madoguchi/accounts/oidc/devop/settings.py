"""Settings of the development OpenID provider (a process of its own; never Madoguchi's site)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DATA_DIR = Path(os.environ.get("DEVOP_DATA_DIR", "var/devop")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
ISSUER = os.environ.get("DEVOP_ISSUER", "http://127.0.0.1:18250/o").rstrip("/")


def _file_secret(name: str, make) -> str:
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text()


def _rsa_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


DEBUG = False
SECRET_KEY = _file_secret("secret_key", lambda: secrets.token_urlsafe(50))
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "madoguchi.accounts.oidc.devop",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "madoguchi.accounts.oidc.devop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "devop.sqlite3"),
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "ja"
# Madoguchi's pages may run on the same host (127.0.0.1, another port): cookies do not know
# ports, so the provider's own cookies have names of their own.
SESSION_COOKIE_NAME = "devop_session"
CSRF_COOKIE_NAME = "devop_csrftoken"
LOGIN_URL = "/login/"
# Development people with published passwords: a fast hasher keeps start-up and each token
# request (the client secret is hashed too) quick. Never a pattern for a real provider.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _file_secret("oidc_rsa_key.pem", _rsa_key),
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "OAUTH2_VALIDATOR_CLASS": "madoguchi.accounts.oidc.devop.validator.DevValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "氏名・生年月日",
        "email": "メールアドレス",
        "address": "住所",
        "groups": "所属グループ",
    },
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
