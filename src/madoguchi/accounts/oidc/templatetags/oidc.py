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


@register.inclusion_tag("accounts_oidc/_procedure_identity.html", takes_context=True)
def procedure_identity(context, procedure, next_url: str = ""):
    """On a procedure's page, before the applicant starts: the 本人確認 the procedure requires
    (``Procedure.identity_level``), whether the current sign-in is enough, and what to sign in
    with — the providers that reach the level, the e-mail link, or the counter when none can."""
    from madoguchi.accounts.oidc.assurance import required_assurance, session_assurance

    request = context.get("request")
    required = required_assurance(procedure.identity_level)
    current = session_assurance(request) if request is not None else Assurance.NONE
    providers = provider_list(audience=Audience.APPLICANT, minimum=required)
    return {
        "procedure": procedure,
        "level_label": procedure.get_identity_level_display(),
        "required": int(required),
        "required_label": Assurance(required).label,
        "signed_in": current > Assurance.NONE,
        "enough": current >= required,
        "email_enough": required <= Assurance.EMAIL,
        "document": procedure.identity_level == "document",
        "has_providers": bool(providers),
        "next_url": next_url,
        "level": "verified" if required >= Assurance.VERIFIED else "",
    }
