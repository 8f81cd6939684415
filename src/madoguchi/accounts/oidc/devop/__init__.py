"""A development OpenID provider: django-oauth-toolkit with OpenID Connect, in its own process.

For the tests (a real provider: discovery, JWKS, code + PKCE, signed ID tokens) and, when asked
for, the demo. It is never part of Madoguchi's own site: it has its own settings module, its
own SQLite file and its own port, and it runs only when started::

    python -m madoguchi.accounts.oidc.devop --port 18250 --data-dir var/devop

Its people and their claims (acr, amr, groups, 氏名, 住所 …) come from ``people.json`` (or
``--people FILE``); its one client is ``madoguchi-dev`` with the redirect URIs of the
``devop`` providers (docs/identity.md, "The development provider").
"""

CLIENT_ID = "madoguchi-dev"
CLIENT_SECRET = "madoguchi-dev-secret"  # a development value, like the demo's passwords
PROVIDER_IDS = ("devop", "devop_staff")  # Madoguchi's provider ids whose callbacks are registered
