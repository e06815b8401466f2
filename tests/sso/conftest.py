"""Fixtures of the sso tests: a test OpenID provider on loopback and the app pointed at it."""

import threading
from http.server import ThreadingHTTPServer

import pytest

from sso.tokens import jwks_cache
from tests.sso.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    ISSUER,
    FakeProvider,
    handler_for,
    new_key,
    public_jwk,
)


@pytest.fixture(scope="session")
def signing_key():
    return new_key()


@pytest.fixture(scope="session")
def other_key():
    return new_key()


@pytest.fixture
def provider(settings, signing_key):
    """A running test provider, with the app's OIDC settings pointing at it."""
    fake = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    fake.jwks = {"keys": [public_jwk(signing_key, "key-1")]}
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://portal.test.example/authorize"  # the browser's side only
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{fake.base_url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{fake.base_url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{fake.base_url}/jwks"
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://portal.test.example/logout"
    settings.OIDC_OP_EXTRA_CLAIMS_ENDPOINT = ""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_CLAIM_ADAPTER = "kh"
    settings.OIDC_TOKEN_USE_BASIC_AUTH = False
    settings.OIDC_FETCH_USERINFO = True
    jwks_cache.clear()
    yield fake
    server.shutdown()
    server.server_close()
    jwks_cache.clear()
