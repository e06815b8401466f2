"""The stand-in portal: a small OpenID Connect provider for the demo and the tests.

A separate Django project (settings ``sso.standin.settings``, its own SQLite file and signing
key under var/standin/), so its sessions and accounts never mix with the app's. Built on
django-oauth-toolkit with OIDC enabled: discovery, PKCE, RS256 ID tokens, userinfo, JWKS and
RP-initiated logout, serving Kaohsiung-shaped claims (kh_profile, kh_titles).

    python -m sso.standin serve 127.0.0.1:8001      # migrate, load accounts, register the app, run

It refuses to start with DEBUG off: it accepts demo passwords and must never face the internet.
"""
