"""Versioned field-encryption keys (core/crypto.py)."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

from madoguchi.core import crypto

OLD = "old:" + base64.urlsafe_b64encode(b"o" * 32).decode()
NEW = "new:" + base64.urlsafe_b64encode(b"n" * 32).decode()


def first_format_token(plain: str, *, key: bytes, purpose: str) -> str:
    """A token as core/crypto.py made it before keys had ids."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain.encode(), purpose.encode())
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def test_a_token_names_the_key_that_made_it(settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD

    token = crypto.encrypt_text("123456789012", purpose="mynumber")

    assert token.startswith("v2:old:")
    assert crypto.token_key_id(token) == "old"
    assert crypto.decrypt_text(token, purpose="mynumber") == "123456789012"


def test_the_newest_key_encrypts_and_older_keys_still_decrypt(settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD
    old_token = crypto.encrypt_text("秘密", purpose="mynumber")
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW}, {OLD}"

    new_token = crypto.encrypt_text("秘密", purpose="mynumber")

    assert crypto.token_key_id(new_token) == "new"
    assert crypto.decrypt_text(old_token, purpose="mynumber") == "秘密"
    assert crypto.needs_rotation(old_token)
    assert not crypto.needs_rotation(new_token)


def test_a_token_of_a_removed_key_cannot_be_read(settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD
    token = crypto.encrypt_text("秘密", purpose="mynumber")
    settings.FIELD_ENCRYPTION_KEYS = NEW

    with pytest.raises(crypto.DecryptionError, match="not configured"):
        crypto.decrypt_text(token, purpose="mynumber")


def test_a_token_is_bound_to_its_purpose(settings):
    token = crypto.encrypt_text("秘密", purpose="mynumber")

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(token, purpose="sign-in-carry")


def test_an_altered_key_id_does_not_open_the_token(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    token = crypto.encrypt_text("秘密", purpose="mynumber")

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(token.replace("v2:new:", "v2:old:"), purpose="mynumber")


def test_first_format_tokens_made_with_the_old_single_key_stay_readable(settings):
    single = base64.urlsafe_b64encode(b"s" * 32).decode()
    token = first_format_token("123456789012", key=b"s" * 32, purpose="mynumber")
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},legacy:{single}"

    assert crypto.decrypt_text(token, purpose="mynumber") == "123456789012"
    assert crypto.token_key_id(token) == ""
    assert crypto.needs_rotation(token)


def test_first_format_tokens_derived_from_the_secret_key_stay_readable(settings):
    settings.SECRET_KEY = "a-secret-key-that-once-derived-the-field-key-" + "z" * 10
    derived, _ = crypto._material(settings.SECRET_KEY)
    token = first_format_token("123456789012", key=derived, purpose="mynumber")
    settings.FIELD_ENCRYPTION_KEYS = NEW

    assert crypto.decrypt_text(token, purpose="mynumber") == "123456789012"


def test_the_old_single_key_setting_becomes_key_1(settings):
    settings.FIELD_ENCRYPTION_KEYS = ""
    settings.FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()

    assert crypto.current_key_id() == "1"


def test_production_without_a_key_cannot_encrypt(settings):
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEYS = ""
    settings.FIELD_ENCRYPTION_KEY = ""

    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt_text("秘密", purpose="mynumber")


@pytest.mark.parametrize("spec", ["nokeyid", "bad id:AAAA", "a:x,a:y"])
def test_a_malformed_key_list_is_refused(spec):
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys(spec)


def test_a_generated_key_is_32_random_bytes():
    key = crypto.generate_key()

    assert len(base64.urlsafe_b64decode(key)) == 32
    assert crypto.parse_keys(f"x:{key}")[0].passphrase is False
    assert key != crypto.generate_key()
