"""The payment-provider registry (like notification channels): ``@register`` plugins,
enabled by ``settings.PAYMENT_PROVIDERS``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404

from madoguchi.payments.providers.base import PaymentProvider

_registry: dict[str, Callable[[], PaymentProvider]] = {}


def register(provider_id: str) -> Callable:
    def decorate(factory: Callable[[], PaymentProvider]) -> Callable[[], PaymentProvider]:
        _registry[provider_id] = factory
        return factory

    return decorate


def _load() -> None:
    from madoguchi.payments.providers import sandbox, slip, stripe_checkout  # noqa: F401 - they register


def registered() -> list[str]:
    _load()
    return list(_registry)


def enabled_ids() -> list[str]:
    _load()
    return [p for p in settings.PAYMENT_PROVIDERS if p in _registry]


def get_provider(provider_id: str) -> PaymentProvider:
    """The enabled provider ``provider_id``; 404 for an unknown or disabled one."""
    if provider_id not in enabled_ids():
        raise Http404
    return _registry[provider_id]()


def make_provider(provider_id: str) -> PaymentProvider:
    """Any registered provider, enabled or not (tests of the interface)."""
    _load()
    return _registry[provider_id]()
