import pytest


@pytest.fixture(autouse=True)
def _no_sandbox_delivery_on_commit(settings):
    """Tests deliver the sandbox's webhooks themselves (deliver_due), to order them."""
    settings.PAYMENT_SANDBOX_DELIVER_ON_COMMIT = False
    settings.PAYMENT_PROVIDERS = ["sandbox", "slip"]
