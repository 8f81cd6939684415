"""Sign-in through OpenID Connect providers: applicants (a prefecture's IdP, gBizID, an IdP that
checks the マイナンバーカード) and staff (their organization's IdP, e.g. Entra ID).

- ``config``     reads the providers from the environment (pure Python; used by settings)
- ``providers``  the provider registry: kinds (``@register("entra")``) and configured providers
- ``client``     the protocol, through Authlib: code flow + PKCE, state, nonce, ID-token checks
- ``assurance``  how sure a session is of who is signed in (e-mail link < OIDC < verified)
- ``services``   sign-in, account linking, staff roles from groups — audited
- ``devop``      a development OpenID provider (django-oauth-toolkit) for tests and the demo

docs/identity.md explains how to register Madoguchi with an identity provider.
"""
