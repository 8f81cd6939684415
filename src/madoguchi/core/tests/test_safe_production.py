"""With DEBUG=0, Madoguchi refuses to start on development values (core/checks.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from madoguchi.core import crypto
from madoguchi.core.checks import TAG, UnsafeProductionError, refuse_unsafe_start
from madoguchi.core.devvalues import (
    DEMO_FIELD_ENCRYPTION_KEYS,
    DEMO_SECRET_KEY,
    DEV_SECRET_KEY,
    TEST_ENVIRONMENT,
    TEST_SECRET_KEY,
)

SRC = Path(__file__).resolve().parents[3]
GOOD_SECRET = "s" * 20 + "-a-production-secret-key-of-its-own-" + "x" * 20
GOOD_FIELD_KEYS = "2025a:" + "A" * 43 + "="  # 32 bytes in urlsafe base64


@pytest.fixture
def production(settings):
    """Settings as a careful operator sets them; each test breaks one."""
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_SECRET
    settings.FIELD_ENCRYPTION_KEYS = GOOD_FIELD_KEYS
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.DEV_MAIL_PAGE = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.AUDIT_ANCHOR_KEY = "an-audit-anchor-key-of-its-own-" + "y" * 20
    return settings


def ids(settings=None) -> set[str]:
    return {m.id for m in checks.run_checks(tags=[TAG])}


def test_production_values_pass_every_start_up_check(production):
    assert ids() == set()
    refuse_unsafe_start()  # does not raise


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, DEMO_SECRET_KEY, TEST_SECRET_KEY])
def test_a_missing_or_public_secret_key_is_refused(production, key):
    production.SECRET_KEY = key

    assert "madoguchi.E001" in ids()
    with pytest.raises(UnsafeProductionError, match="SECRET_KEY"):
        refuse_unsafe_start()


def test_a_short_secret_key_is_refused(production):
    production.SECRET_KEY = "short-but-not-public"

    assert "madoguchi.E002" in ids()


def test_a_missing_field_encryption_key_is_refused(production):
    production.FIELD_ENCRYPTION_KEYS = ""

    assert "madoguchi.E003" in ids()
    with pytest.raises(UnsafeProductionError, match="FIELD_ENCRYPTION_KEYS"):
        refuse_unsafe_start()


def test_a_public_field_encryption_key_is_refused(production):
    production.FIELD_ENCRYPTION_KEYS = f"{GOOD_FIELD_KEYS},{DEMO_FIELD_ENCRYPTION_KEYS}"

    assert "madoguchi.E004" in ids()


def test_a_field_encryption_key_equal_to_the_secret_key_is_refused(production):
    production.FIELD_ENCRYPTION_KEYS = f"k1:{GOOD_SECRET}"

    assert "madoguchi.E005" in ids()


def test_a_short_field_encryption_passphrase_is_refused(production):
    production.FIELD_ENCRYPTION_KEYS = "k1:a-short-passphrase"

    assert "madoguchi.E006" in ids()


def test_a_malformed_field_encryption_key_list_is_refused(production):
    production.FIELD_ENCRYPTION_KEYS = "no-id-here"

    assert "madoguchi.E003" in ids()


def test_the_dev_mail_page_is_refused(production):
    production.DEV_MAIL_PAGE = True

    assert "madoguchi.E007" in ids()


def test_the_dev_email_backend_is_refused(production):
    production.EMAIL_BACKEND = "madoguchi.core.devmail.DevMailBackend"

    assert "madoguchi.E008" in ids()


def test_a_missing_anchor_key_is_a_warning_and_a_public_one_refused(production):
    from madoguchi.core.devvalues import TEST_AUDIT_ANCHOR_KEY

    production.AUDIT_ANCHOR_KEY = ""
    assert ids() == {"madoguchi.W001"}
    refuse_unsafe_start()  # a warning does not stop the start

    production.AUDIT_ANCHOR_KEY = TEST_AUDIT_ANCHOR_KEY
    assert "madoguchi.E009" in ids()
    production.AUDIT_ANCHOR_KEY = GOOD_SECRET
    assert "madoguchi.E009" in ids()


def test_debug_mode_accepts_development_values(production):
    production.DEBUG = True
    production.SECRET_KEY = DEV_SECRET_KEY
    production.FIELD_ENCRYPTION_KEYS = ""
    production.DEV_MAIL_PAGE = True
    production.EMAIL_BACKEND = "madoguchi.core.devmail.DevMailBackend"

    assert ids() == set()
    assert crypto.current_key_id() == crypto.DEV_KEY_ID


def test_check_deploy_reports_the_refusals(production):
    production.SECRET_KEY = DEV_SECRET_KEY
    production.DEV_MAIL_PAGE = True

    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True)

    assert "madoguchi.E001" in str(raised.value)
    assert "madoguchi.E007" in str(raised.value)


def test_celery_worker_and_beat_exit_on_development_values(production):
    from celery.signals import beat_init, worker_init

    from madoguchi.config import celery as celery_module

    production.SECRET_KEY = DEV_SECRET_KEY

    with pytest.raises(SystemExit):
        celery_module.refuse_unsafe_start()
    for signal in (worker_init, beat_init):
        assert any(r() is celery_module.refuse_unsafe_start for _, r in signal.receivers)


def test_the_dev_mail_page_answers_404_when_off(client, production):
    assert client.get("/dev/mail/").status_code == 404


# --- a fresh process, configured only by its environment, as gunicorn would start ---------


def _environment(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in TEST_ENVIRONMENT and k not in {"DEBUG", "EMAIL_BACKEND"}
    }
    env.update(
        {
            "PYTHONPATH": str(SRC),
            "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "MADOGUCHI_DATA_DIR": str(tmp_path),
        }
    )
    env.update(extra)
    return env


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_without_debug_the_dev_mail_page_and_dev_backend_are_off_by_default(tmp_path):
    result = _python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEV_MAIL_PAGE, settings.EMAIL_BACKEND)",
        _environment(tmp_path),
    )

    assert result.stdout.split() == ["False", "django.core.mail.backends.smtp.EmailBackend"], result.stderr


def test_the_wsgi_application_refuses_to_load_without_keys(tmp_path):
    result = _python("import madoguchi.config.wsgi", _environment(tmp_path))

    assert result.returncode != 0
    assert "madoguchi.E001" in result.stderr
    assert "madoguchi.E003" in result.stderr


def test_the_wsgi_application_loads_with_keys_of_its_own(tmp_path):
    env = _environment(tmp_path, SECRET_KEY=GOOD_SECRET, FIELD_ENCRYPTION_KEYS=GOOD_FIELD_KEYS)

    result = _python("import madoguchi.config.wsgi; print('loaded')", env)

    assert result.stdout.strip() == "loaded", result.stderr


@pytest.mark.parametrize("module", ["wsgi", "asgi"])
def test_the_application_loads_its_urls_and_freezes_what_it_keeps(tmp_path, module):
    # every view is imported before the first request, and the objects loaded so far are out of
    # the garbage collector's generations (a full collection need not walk them in every worker)
    env = _environment(tmp_path, SECRET_KEY=GOOD_SECRET, FIELD_ENCRYPTION_KEYS=GOOD_FIELD_KEYS)

    result = _python(
        f"import gc, sys; import madoguchi.config.{module}; "
        "print(gc.get_freeze_count() > 50_000, 'madoguchi.applications.api' in sys.modules)",
        env,
    )

    assert result.stdout.split() == ["True", "True"], result.stderr
