"""Claims of the development provider's people, from their entries in the people file."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


@lru_cache(maxsize=1)
def people() -> dict[str, dict[str, Any]]:
    with open(os.environ["DEVOP_PEOPLE"], encoding="utf-8") as handle:
        return json.load(handle)


class DevValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "acr": "openid",
        "amr": "openid",
        "family_name#ja-Hani-JP": "profile",
        "given_name#ja-Hani-JP": "profile",
        "family_name#ja-Kana-JP": "profile",
        "given_name#ja-Kana-JP": "profile",
        "groups": "openid",
    }

    def get_additional_claims(self, request) -> dict[str, Any]:
        person = people().get(request.user.get_username(), {})
        return dict(person.get("claims", {}))
