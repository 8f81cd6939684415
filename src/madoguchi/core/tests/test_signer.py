"""``core.signer`` is ``django.core.signing.dumps`` / ``loads`` with the signing key derived once
per secret and salt: the same values at the same second, each reading the other's, the same
refusals, and the fallback keys still read."""

from __future__ import annotations

import hmac

import pytest
from django.core import signing
from django.test import override_settings
from django.utils.crypto import salted_hmac

from madoguchi.core import signer

SALT = "madoguchi.tests.signer"
OLD, NEW = "old-secret-" + "o" * 40, "new-secret-" + "n" * 40


@pytest.fixture
def frozen(monkeypatch):
    now = [1_765_000_000.25]
    monkeypatch.setattr("time.time", lambda: now[0])
    return now


@pytest.mark.parametrize("obj", [{"c": "AbC-_123xyz"}, {"s": "tokyo.setsumei"}, {"x": "日本語", "n": [1, 2]}])
def test_a_value_is_the_one_django_signs_at_the_same_second(frozen, obj):
    assert signer.dumps(obj, salt=SALT) == signing.dumps(obj, salt=SALT, compress=False)
    with override_settings(SECRET_KEY=NEW):
        assert signer.dumps(obj, salt=SALT) == signing.dumps(obj, salt=SALT, compress=False)
    assert signer.dumps(obj, salt=SALT + "2") == signing.dumps(obj, salt=SALT + "2", compress=False)


def test_each_reads_the_others_values():
    ours = signer.dumps({"c": "abc"}, salt=SALT)
    theirs = signing.dumps({"c": "abc"}, salt=SALT, compress=False)
    assert signing.loads(ours, salt=SALT, max_age=60) == {"c": "abc"}
    assert signer.loads(theirs, salt=SALT, max_age=60) == {"c": "abc"}


def test_the_derived_key_is_the_one_salted_hmac_derives():
    key = signer.derived_key(SALT + "signer", NEW, "sha256")
    expected = salted_hmac(SALT + "signer", "value", NEW, algorithm="sha256").digest()
    assert hmac.digest(key, b"value", "sha256") == expected


def test_another_secret_or_salt_refuses_the_value_as_django_does():
    with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
        value = signer.dumps({"c": "abc"}, salt=SALT)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        for loads in (signer.loads, signing.loads):
            with pytest.raises(signing.BadSignature):
                loads(value, salt=SALT)
    with override_settings(SECRET_KEY=OLD), pytest.raises(signing.BadSignature):
        signer.loads(value, salt=SALT + "2")


def test_a_fallback_key_still_reads_values_signed_before_the_rotation():
    with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
        value = signer.dumps({"c": "abc"}, salt=SALT)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        assert signer.loads(value, salt=SALT) == {"c": "abc"}
        assert signer.dumps({"c": "abc"}, salt=SALT) != value  # new values: the new key


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v[:-1] + ("A" if v[-1] != "A" else "B"),  # the signature
        lambda v: ("f" if v[0] != "f" else "g") + v[1:],  # the value
        lambda v: v.replace(":", "", 1),  # the timestamp's separator
        lambda v: v.rsplit(":", 1)[0],  # no signature
        lambda v: "",
    ],
)
def test_a_changed_value_is_refused_as_django_refuses_it(change):
    value = change(signer.dumps({"c": "abc"}, salt=SALT))
    refusals = []
    for loads in (signer.loads, signing.loads):
        with pytest.raises(signing.BadSignature) as refused:
            loads(value, salt=SALT)
        refusals.append((type(refused.value), str(refused.value)))
    assert refusals[0] == refusals[1]


def test_a_value_older_than_max_age_has_expired_as_with_django(frozen):
    value = signer.dumps({"c": "abc"}, salt=SALT)
    frozen[0] += 61
    for loads in (signer.loads, signing.loads):
        with pytest.raises(signing.SignatureExpired):
            loads(value, salt=SALT, max_age=60)
    assert signer.loads(value, salt=SALT, max_age=62) == {"c": "abc"}
