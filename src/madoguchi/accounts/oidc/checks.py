"""``manage.py check``: the configured identity providers make sense (docs/identity.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register("security")
def oidc_providers_check(app_configs, **kwargs):
    from madoguchi.accounts.models import Organization
    from madoguchi.accounts.oidc.constants import Audience
    from madoguchi.accounts.oidc.providers import configured_providers
    from madoguchi.accounts.oidc.staff import group_roles_problems

    try:
        providers = configured_providers()
    except ValueError as exc:
        return [Error(str(exc), id="accounts_oidc.E001")]
    messages: list[CheckMessage] = []
    for provider in providers.values():
        if not provider.issuer.startswith("https://") and not settings.DEBUG and not provider.dev:
            messages.append(
                Error(f"OIDC provider {provider.id!r}: the issuer must use https", id="accounts_oidc.E002")
            )
        if provider.dev and not settings.DEBUG:
            messages.append(
                Warning(
                    f"OIDC provider {provider.id!r} is marked as a development provider (OIDC_{provider.id.upper()}_DEV)",
                    id="accounts_oidc.W001",
                )
            )
        if provider.audience == Audience.STAFF and "migrate" not in kwargs.get("tags", ()):
            try:
                organization = Organization.objects.filter(slug=provider.organization).first()
            except Exception:  # noqa: BLE001 - no database yet (before the first migrate)
                continue
            for problem in group_roles_problems(provider, organization):
                messages.append(Warning(problem, id="accounts_oidc.W002"))
    return messages
