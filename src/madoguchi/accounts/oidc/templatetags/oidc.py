from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from madoguchi.accounts.oidc.constants import Assurance, Audience
from madoguchi.accounts.oidc.providers import provider_list

register = template.Library()


@register.inclusion_tag("accounts_oidc/_providers.html")
def oidc_providers(
    next_url: str = "",
    audience: str = Audience.APPLICANT,
    minimum: int = 0,
    level: str = "",
    heading: bool = False,
):
    """Sign-in buttons for the configured providers (nothing when none is configured)."""
    buttons = []
    for provider in provider_list(audience=audience, minimum=Assurance(minimum)):
        query = {k: v for k, v in (("next", next_url), ("level", level)) if v}
        url = reverse("accounts_oidc:login", args=[provider.id])
        buttons.append(
            {
                "url": f"{url}?{urlencode(query)}" if query else url,
                "label": provider.display_label,
                "verified": provider.highest_assurance >= Assurance.VERIFIED,
                "dev": provider.dev,
            }
        )
    return {"buttons": buttons, "heading": heading}
