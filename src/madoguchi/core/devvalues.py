"""The only secrets in the repository: public, labelled values for the demo and the test suite.

Everything here is published with the source code, so it protects nothing. Production refuses
every one of these values (``core/checks.py``): with ``DEBUG=0`` a process does not start while
``SECRET_KEY`` or a field-encryption key is one of them. See docs/deployment.md.

- ``DEMO_ENVIRONMENT``: what ``madoguchi demo`` sets (unless the environment already says
  otherwise) — debug mode, the dev mail page and the dev e-mail backend included.
- ``TEST_ENVIRONMENT``: what the test suite sets (``conftest.py``). The suite runs with
  ``DEBUG`` unset, like production, so it needs keys of its own; the tests that exercise the
  start-up refusal override these settings themselves.
"""

from __future__ import annotations

# The fallback when SECRET_KEY is unset: usable only with DEBUG=1.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"

DEMO_SECRET_KEY = "demo-only-PUBLIC-secret-key-never-use-in-production-0123456789"
# 32 bytes in urlsafe base64 (base64 of "demo-only-PUBLIC-field-key-00001").
DEMO_FIELD_ENCRYPTION_KEYS = "demo:ZGVtby1vbmx5LVBVQkxJQy1maWVsZC1rZXktMDAwMDE="

TEST_SECRET_KEY = "test-only-PUBLIC-secret-key-never-use-in-production-0123456789"
# base64 of "test-only-PUBLIC-field-key-00001".
TEST_FIELD_ENCRYPTION_KEYS = "test:dGVzdC1vbmx5LVBVQkxJQy1maWVsZC1rZXktMDAwMDE="
# The key that signs the audit chain's checkpoints (audit/anchors.py).
TEST_AUDIT_ANCHOR_KEY = "test-only-PUBLIC-audit-anchor-key-0123456789"
DEMO_AUDIT_ANCHOR_KEY = "demo-only-PUBLIC-audit-anchor-key-0123456789"

DEMO_ENVIRONMENT = {
    "DEBUG": "1",
    "SECRET_KEY": DEMO_SECRET_KEY,
    "FIELD_ENCRYPTION_KEYS": DEMO_FIELD_ENCRYPTION_KEYS,
    "AUDIT_ANCHOR_KEY": DEMO_AUDIT_ANCHOR_KEY,
    "DEV_MAIL_PAGE": "1",
    "EMAIL_BACKEND": "madoguchi.core.devmail.DevMailBackend",
}

TEST_ENVIRONMENT = {
    "SECRET_KEY": TEST_SECRET_KEY,
    "FIELD_ENCRYPTION_KEYS": TEST_FIELD_ENCRYPTION_KEYS,
    "AUDIT_ANCHOR_KEY": TEST_AUDIT_ANCHOR_KEY,
    "DEV_MAIL_PAGE": "1",  # the browser tests read sign-in links from /dev/mail/
}

# Values production refuses, whatever the setting they appear in.
PUBLIC_SECRETS = frozenset(
    {
        DEV_SECRET_KEY,
        DEMO_SECRET_KEY,
        TEST_SECRET_KEY,
        DEMO_AUDIT_ANCHOR_KEY,
        TEST_AUDIT_ANCHOR_KEY,
        *(pair.split(":", 1)[1] for pair in (DEMO_FIELD_ENCRYPTION_KEYS, TEST_FIELD_ENCRYPTION_KEYS)),
    }
)


def throwaway_keys() -> dict[str, str]:
    """Fresh random keys for one local run with DEBUG=0 (benchmarks, the multi-process demo).

    Never stored anywhere, so production's refusal of public values does not stop such a run;
    whatever the run encrypted is unreadable once it ends — as it should be.
    """
    import base64
    import secrets

    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": "run:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "AUDIT_ANCHOR_KEY": secrets.token_urlsafe(48),
    }
