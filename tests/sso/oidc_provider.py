"""A test OpenID provider over real HTTP on loopback, and helpers to walk the app's callback.

The provider is a tiny threaded http.server that serves a JWKS, a token endpoint and a
userinfo endpoint; each test decides what the token endpoint answers (an ID token signed by
keys generated here) and inspects what the app sent. The app's side is the real one:
mozilla-django-oidc's views with the sso subclasses, requests over HTTP, the real database.
"""

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

from sso.models import PortalIdentity

ISSUER = "https://portal.test.example/"
CLIENT_ID = "campus-test"
CLIENT_SECRET = "test-secret"
SCHOOL_CODE = "563401"  # the standing school of tests/factories.py


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key, kid: str | None) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"use": "sig", "alg": "RS256"})
    if kid is not None:
        jwk["kid"] = kid
    return jwk


@dataclass
class FakeProvider:
    """What the provider serves (set by the test) and what it received (read by the test)."""

    base_url: str = ""
    jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    token_response: dict[str, Any] | None = None
    token_status: int = 200
    userinfo: dict[str, Any] | None = None
    eduinfo: dict[str, Any] | None = None  # the Ministry's resource endpoint
    jwks_hits: int = 0
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    userinfo_requests: list[dict[str, str]] = field(default_factory=list)


def handler_for(provider: FakeProvider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output quiet
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/jwks":
                provider.jwks_hits += 1
                return self._json(200, provider.jwks)
            if self.path == "/userinfo":
                provider.userinfo_requests.append({"authorization": self.headers.get("Authorization", "")})
                if provider.userinfo is None:
                    return self._json(401, {"error": "invalid_token"})
                return self._json(200, provider.userinfo)
            if self.path == "/eduinfo" and provider.eduinfo is not None:
                if self.headers.get("Authorization") != "Bearer access-1":
                    return self._json(401, {"error": "invalid_token"})
                return self._json(200, provider.eduinfo)
            return self._json(404, {"error": "not_found"})

        def do_POST(self):
            if self.path != "/token":
                return self._json(404, {"error": "not_found"})
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests.append({"form": form, "authorization": self.headers.get("Authorization", "")})
            if provider.token_response is None:
                return self._json(400, {"error": "invalid_grant"})
            return self._json(provider.token_status, provider.token_response)

    return Handler


def kh_claims(
    *,
    sub: str = "pairwise-sub-0001",
    name: str = "王老師",
    email: str = "teacher@kh.example",
    school: str = SCHOOL_CODE,
    titles: Any = None,
) -> dict[str, Any]:
    """Kaohsiung-shaped person claims (kh_profile, kh_titles)."""
    return {
        "sub": sub,
        "name": name,
        "email": email,
        "kh_profile": {"fullname": name, "email": email, "schoolid": school, "schools": {school: "測試學校"}},
        "kh_titles": titles if titles is not None else {school: ["教師"]},
    }


def id_token(
    key,
    *,
    nonce: str | None,
    kid: str | None = "key-1",
    alg: str = "RS256",
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """An ID token with sensible claims for the test provider; override or drop any of them."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "exp": now + 300,
        "iat": now,
        "nonce": nonce,
        "jti": uuid.uuid4().hex,
        **kh_claims(),
    }
    payload.update(claims)
    for name in drop:
        payload.pop(name, None)
    headers = {"kid": kid} if kid is not None else {}
    if alg == "none":
        return jwt.encode(payload, None, algorithm="none", headers=headers)
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


@dataclass
class Flow:
    state: str
    nonce: str
    code_challenge: str
    redirect_uri: str


def start_flow(client, next_url: str | None = None) -> Flow:
    """GET /oidc/authenticate/ and read what the app asked the provider for."""
    url = "/oidc/authenticate/" + (f"?next={next_url}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302, response
    query = {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}
    return Flow(
        state=query["state"],
        nonce=query["nonce"],
        code_challenge=query["code_challenge"],
        redirect_uri=query["redirect_uri"],
    )


def finish_flow(client, flow: Flow, *, code: str = "the-code", state: str | None = None):
    return client.get("/oidc/callback/", {"code": code, "state": state or flow.state})


def pkce_s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def signed_in_user_ids() -> list[str]:
    """Every authenticated session in the database (there must be none after a failure)."""
    return [s.get_decoded()[SESSION_KEY] for s in Session.objects.all() if SESSION_KEY in s.get_decoded()]


def sso_reasons(caplog) -> list[str]:
    return [getattr(r, "sso_reason", None) for r in caplog.records if r.name == "sso.signin"]


def serve(provider: FakeProvider, token: str, *, userinfo: dict | None = None) -> None:
    """What the test provider answers next: this ID token, and these userinfo claims."""
    provider.token_response = {"access_token": "access-1", "token_type": "Bearer", "id_token": token, "expires_in": 300}
    provider.userinfo = kh_claims() if userinfo is None else userinfo


def sign_in_through_portal(client, provider: FakeProvider, key, *, sub: str):
    """The whole portal sign-in of a Kaohsiung identity; returns the callback's response and the ID token."""
    flow = start_flow(client)
    token = id_token(key, nonce=flow.nonce, sub=sub)
    serve(provider, token, userinfo=kh_claims(sub=sub))
    return finish_flow(client, flow), token


def bound_identity(staff, sub: str, **fields: Any) -> PortalIdentity:
    """An identity of the test provider, already bound to this staff member."""
    values = {
        "school": staff.school,
        "name": staff.name,
        "bound_at": timezone.now(),
        "bound_method": "local_password",
        **fields,
    }
    return PortalIdentity.objects.create(issuer=ISSUER, sub=sub, user=staff.user, **values)
