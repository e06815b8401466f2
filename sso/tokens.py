"""ID token validation, stricter than mozilla-django-oidc's.

The library checks the signature and the nonce; it does not check ``iss``, ``aud``/``azp``,
``iat`` or a required ``sub``, and it fetches the JWKS on every sign-in. Here:

- RS256 only: ``alg: none`` and HS* (a key-confusion risk with a public key) are refused;
- the JWKS is cached; an unknown ``kid`` triggers one forced refetch (key rotation), at most
  once per ``OIDC_JWKS_MIN_REFETCH_SECONDS`` so junk kids cannot make us hammer the provider;
- a token without ``kid`` is accepted only when the JWKS holds exactly one signing key
  (the Ministry's tokens come that way);
- ``iss`` must equal the configured issuer exactly; ``aud`` must contain our client id and,
  when it names several audiences, ``azp`` must be our client id;
- ``sub``, ``exp`` and ``iat`` are required; ``exp``/``nbf``/``iat`` allow a small clock skew;
- the nonce must equal the one we put in the session.

Every failure raises SignInFailed with a reason code that the callback logs.
"""

import hmac
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import jwt
import requests
from django.conf import settings

from sso.errors import SignInFailed

ALLOWED_ALGORITHMS = ("RS256",)


@dataclass
class _CachedKeys:
    keys: list[dict[str, Any]] = field(default_factory=list)
    fetched_at: float = 0.0
    forced_at: float = 0.0


class JwksCache:
    """The provider's signing keys, per JWKS URL, shared by the process's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_url: dict[str, _CachedKeys] = {}

    def clear(self) -> None:
        with self._lock:
            self._by_url.clear()

    def _fetch(self, url: str) -> list[dict[str, Any]]:
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
            response.raise_for_status()
            keys = response.json().get("keys")
        except (requests.RequestException, ValueError, AttributeError) as exc:
            raise SignInFailed("jwks_unavailable", f"{url}: {exc}") from exc
        if not isinstance(keys, list):
            raise SignInFailed("jwks_unavailable", f"{url}: no keys")
        return [
            k
            for k in keys
            if isinstance(k, dict)
            and k.get("kty") == "RSA"
            and k.get("use", "sig") == "sig"
            and k.get("alg", "RS256") in ALLOWED_ALGORITHMS
        ]

    def _keys(self, url: str, *, force: bool = False) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            entry = self._by_url.setdefault(url, _CachedKeys())
            fresh = entry.fetched_at and now - entry.fetched_at < settings.OIDC_JWKS_CACHE_SECONDS
            if force:
                if entry.forced_at and now - entry.forced_at < settings.OIDC_JWKS_MIN_REFETCH_SECONDS:
                    return entry.keys
                entry.forced_at = now
            elif fresh:
                return entry.keys
            entry.keys = self._fetch(url)
            entry.fetched_at = now
            return entry.keys

    def signing_key(self, url: str, kid: str | None) -> Any:
        """The public key for a token's kid: refetch once if unknown (the provider rotated keys)."""
        for force in (False, True):
            keys = self._keys(url, force=force)
            if kid is None:
                if len(keys) == 1:
                    return jwt.PyJWK(keys[0], algorithm="RS256").key
                if force:
                    raise SignInFailed("kid_missing", f"token has no kid and the JWKS has {len(keys)} keys")
                continue
            for key in keys:
                if key.get("kid") == kid:
                    return jwt.PyJWK(key, algorithm="RS256").key
        raise SignInFailed("unknown_kid", f"kid {kid!r} not in the JWKS after a refetch")


jwks_cache = JwksCache()


def _header(token: str) -> Mapping[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise SignInFailed("malformed_token", str(exc)) from exc


def verify_signature(token: str) -> dict[str, Any]:
    """Check alg and signature against the provider's JWKS; return the (unchecked) claims."""
    if not token or not isinstance(token, str):
        raise SignInFailed("id_token_missing")
    header = _header(token)
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise SignInFailed("alg_not_allowed", f"alg {alg!r}")
    kid = header.get("kid")
    key = jwks_cache.signing_key(settings.OIDC_OP_JWKS_ENDPOINT, str(kid) if kid is not None else None)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=list(ALLOWED_ALGORITHMS),
            # Only the signature here; the claims are checked below with our own reasons.
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise SignInFailed("bad_signature", str(exc)) from exc
    except jwt.InvalidTokenError as exc:
        raise SignInFailed("malformed_token", str(exc)) from exc
    if not isinstance(claims, dict):
        raise SignInFailed("malformed_token", "claims are not an object")
    return claims


@overload
def _numeric(claims: Mapping[str, Any], name: str, *, required: Literal[True]) -> float: ...
@overload
def _numeric(claims: Mapping[str, Any], name: str, *, required: Literal[False]) -> float | None: ...
def _numeric(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise SignInFailed("missing_claim", name)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SignInFailed("malformed_claim", name)
    return float(value)


def check_claims(claims: Mapping[str, Any], *, nonce: str | None, now: float | None = None) -> None:
    """The ID token claim checks of OpenID Connect Core 3.1.3.7, with a clock skew."""
    skew = settings.OIDC_CLOCK_SKEW_SECONDS
    now = time.time() if now is None else now
    client_id = settings.OIDC_RP_CLIENT_ID

    if claims.get("iss") != settings.OIDC_OP_ISSUER:
        raise SignInFailed("wrong_issuer", f"iss {claims.get('iss')!r}")

    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else None
    if not audiences or client_id not in audiences:
        raise SignInFailed("wrong_audience", f"aud {aud!r}")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise SignInFailed("wrong_azp", "several audiences and no azp")
    if azp is not None and azp != client_id:
        raise SignInFailed("wrong_azp", f"azp {azp!r}")

    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise SignInFailed("missing_claim", "sub")

    exp = _numeric(claims, "exp", required=True)
    iat = _numeric(claims, "iat", required=True)
    nbf = _numeric(claims, "nbf", required=False)
    if exp + skew < now:
        raise SignInFailed("expired", f"exp {exp:.0f} now {now:.0f}")
    if iat - skew > now:
        raise SignInFailed("issued_in_future", f"iat {iat:.0f} now {now:.0f}")
    if nbf is not None and nbf - skew > now:
        raise SignInFailed("not_yet_valid", f"nbf {nbf:.0f} now {now:.0f}")

    if settings.OIDC_USE_NONCE:
        token_nonce = claims.get("nonce")
        if not nonce or not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce, nonce):
            raise SignInFailed("nonce_mismatch")


def validate_id_token(token: str, *, nonce: str | None) -> dict[str, Any]:
    claims = verify_signature(token)
    check_claims(claims, nonce=nonce)
    return claims
