"""Start-up checks: with ``DEBUG=0`` Madoguchi refuses to run on development values.

Registered with Django's system-check framework (``CoreConfig.ready``), so ``runserver``,
``migrate`` and ``madoguchi check --deploy`` report them; the WSGI/ASGI entry points
(gunicorn) and the Celery worker and beat call ``refuse_unsafe_start()``, which raises on any
error, because those do not run Django's checks themselves. See docs/deployment.md.

Refused with ``DEBUG=0``:

- ``SECRET_KEY`` unset, shorter than 50 characters, or one of the public values of the
  repository (``core/devvalues.py``): sign-in links and other signed values could be forged;
- no field-encryption key (``FIELD_ENCRYPTION_KEYS``), a public one, a short passphrase, or a
  key equal to ``SECRET_KEY`` (the keys must be separate, so one leak does not give both);
- ``DEV_MAIL_PAGE=1``: ``/dev/mail/`` shows everyone's sign-in links;
- the development e-mail backend, which keeps every mail in the database for that page;
- a public or short ``AUDIT_ANCHOR_KEY`` (a warning when unset: the chain is then not anchored).
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from madoguchi.core.devvalues import PUBLIC_SECRETS

TAG = "madoguchi_production"
DEV_EMAIL_BACKENDS = frozenset({"madoguchi.core.devmail.DevMailBackend"})
MIN_SECRET_KEY_LENGTH = 50
MIN_PASSPHRASE_LENGTH = 32


def _error(msg: str, hint: str, code: str) -> checks.Error:
    return checks.Error(msg, hint=hint, id=f"madoguchi.{code}")


def secret_key_errors() -> list[checks.CheckMessage]:
    key = settings.SECRET_KEY or ""
    if key in PUBLIC_SECRETS or not key:
        return [
            _error(
                "SECRET_KEY is unset or a public development value.",
                "Set SECRET_KEY to 50 or more random characters, the same on every machine "
                "(python3 -c 'import secrets; print(secrets.token_urlsafe(64))'). "
                "On a development machine, set DEBUG=1 instead.",
                "E001",
            )
        ]
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return [
            _error(
                f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters.",
                "Use 50 or more random characters.",
                "E002",
            )
        ]
    return []


def field_key_errors() -> list[checks.CheckMessage]:
    from madoguchi.core import crypto

    try:
        ring = crypto.key_ring()
    except ImproperlyConfigured as exc:
        return [
            _error(
                str(exc),
                "Set FIELD_ENCRYPTION_KEYS to 'id:key' with a key of its own "
                "(madoguchi crypto generate-key prints one). On a development machine, set DEBUG=1 instead.",
                "E003",
            )
        ]
    errors: list[checks.CheckMessage] = []
    for key in ring.keys:
        if key.id == crypto.DEV_KEY_ID and key.source == settings.SECRET_KEY:
            errors.append(
                _error(
                    "No field-encryption key is set; the key is derived from SECRET_KEY.",
                    "Set FIELD_ENCRYPTION_KEYS (see docs/deployment.md).",
                    "E003",
                )
            )
        elif key.source in PUBLIC_SECRETS:
            errors.append(
                _error(
                    f"The field-encryption key {key.id!r} is a public development value.",
                    "Generate a key with `madoguchi crypto generate-key`.",
                    "E004",
                )
            )
        elif key.source == settings.SECRET_KEY:
            errors.append(
                _error(
                    f"The field-encryption key {key.id!r} is SECRET_KEY itself.",
                    "Field-encryption keys must be separate from SECRET_KEY.",
                    "E005",
                )
            )
        elif key.passphrase and len(key.source) < MIN_PASSPHRASE_LENGTH:
            errors.append(
                _error(
                    f"The field-encryption key {key.id!r} is a short passphrase.",
                    "Use 32 random bytes in urlsafe base64 (`madoguchi crypto generate-key`).",
                    "E006",
                )
            )
    return errors


def mail_errors() -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if getattr(settings, "DEV_MAIL_PAGE", False):
        errors.append(
            _error(
                "DEV_MAIL_PAGE is on: /dev/mail/ would show every sign-in link to anyone.",
                "Unset DEV_MAIL_PAGE (it is on only for the demo and development).",
                "E007",
            )
        )
    if settings.EMAIL_BACKEND in DEV_EMAIL_BACKENDS:
        errors.append(
            _error(
                "EMAIL_BACKEND is the development backend: mail is kept in the database, not sent.",
                "Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST.",
                "E008",
            )
        )
    return errors


def anchor_key_messages() -> list[checks.CheckMessage]:
    key = getattr(settings, "AUDIT_ANCHOR_KEY", "") or ""
    if not key:
        return [
            checks.Warning(
                "AUDIT_ANCHOR_KEY is not set: the audit chain is not anchored, so someone with "
                "write access to the database could rewrite it unnoticed.",
                hint="Set AUDIT_ANCHOR_KEY (32+ random characters, kept outside the database).",
                id="madoguchi.W001",
            )
        ]
    field_sources = set()
    try:
        from madoguchi.core import crypto

        field_sources = {k.source for k in crypto.key_ring().keys}
    except ImproperlyConfigured:
        pass
    if key in PUBLIC_SECRETS or key == settings.SECRET_KEY or key in field_sources or len(key) < 32:
        return [
            _error(
                "AUDIT_ANCHOR_KEY is a public value, shorter than 32 characters, or another key.",
                "Use 32+ random characters of its own, kept outside the database.",
                "E009",
            )
        ]
    return []


@checks.register(TAG, checks.Tags.security)
def check_safe_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every refusal above, when DEBUG is off."""
    if settings.DEBUG:
        return []
    return [*secret_key_errors(), *field_key_errors(), *mail_errors(), *anchor_key_messages()]


class UnsafeProductionError(ImproperlyConfigured):
    pass


def refuse_unsafe_start() -> None:
    """Raise ``UnsafeProductionError`` listing every refusal (for gunicorn, Celery)."""
    errors = [m for m in checks.run_checks(tags=[TAG]) if m.is_serious()]
    if errors:
        lines = "\n".join(f"  {m.id}: {m.msg} {m.hint or ''}".rstrip() for m in errors)
        raise UnsafeProductionError(
            f"Madoguchi will not start with DEBUG=0 on development values (docs/deployment.md):\n{lines}"
        )
