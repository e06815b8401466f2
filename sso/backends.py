"""The portal sign-in backend: mozilla-django-oidc's code flow with our checks where it is weak.

The library does the flow (state, nonce and PKCE in the session, the token request, the
callback). We replace:

- ``verify_token``: strict ID token validation (sso/tokens.py);
- ``get_userinfo``: userinfo is optional, its ``sub`` must equal the ID token's, and the
  provider's adapter may add claims from another endpoint (the Ministry's eduinfo);
- ``get_or_create_user``: identities are keyed by (issuer, sub), never matched by email, and
  nobody is created here; unbound identities go to the binding page;
- ``store_tokens``: the ID token reaches the session only after a successful sign-in.

Failures never escape as exceptions: the outcome is left on the request for
sso.views.PortalCallbackView to turn into the right page and one log line.
"""

from typing import Any

import requests
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sso.adapters import get_adapter
from sso.errors import SignInFailed, SsoError
from sso.services import portal_sign_in
from sso.tokens import validate_id_token, verify_signature
from staff.backends import AccountBackend

# Claims that describe the token rather than the person: userinfo may not override them.
_TOKEN_CLAIMS = frozenset({"iss", "aud", "azp", "sub", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "jti"})


class PortalOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the portal callback passes a nonce; local sign-ins (username/password) are not ours.
        if request is None or "nonce" not in kwargs or kwargs.get("username") is not None:
            return None
        self.request = request
        try:
            return super().authenticate(request, **kwargs)
        except SignInFailed as exc:
            request.sso_failure = exc
        except SsoError as exc:
            request.sso_refusal = exc
        except requests.RequestException as exc:
            request.sso_failure = SignInFailed("provider_unreachable", str(exc)[:300])
        except (SuspiciousOperation, ValueError, KeyError, TypeError) as exc:
            request.sso_failure = SignInFailed("invalid_response", repr(exc)[:300])
        return None

    def get_user(self, user_id):
        # As the local sign-in's: the account with its person in one query, and inactive users refused
        # (the library's version does not refuse them).
        return AccountBackend.get_user(self, user_id)

    # --- the token exchange -------------------------------------------------
    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            token_info = super().get_token(payload)
        except requests.HTTPError as exc:
            raise SignInFailed("token_endpoint_error", str(exc)[:300]) from exc
        except requests.RequestException as exc:
            raise SignInFailed("provider_unreachable", str(exc)[:300]) from exc
        except ValueError as exc:
            raise SignInFailed("token_response_invalid", str(exc)[:300]) from exc
        if not isinstance(token_info, dict):
            raise SignInFailed("token_response_invalid", "not a JSON object")
        return token_info

    def verify_token(self, token, **kwargs):
        return validate_id_token(token, nonce=kwargs.get("nonce"))

    def store_tokens(self, access_token, id_token):
        # Kept on the request; the callback view writes the ID token to the session after login.
        self.request.sso_id_token = id_token

    # --- claims ---------------------------------------------------------------
    def _get(self, url: str, access_token: str) -> requests.Response:
        response = requests.get(
            url,
            headers={"Authorization": f"Bearer {access_token}"},
            verify=self.get_settings("OIDC_VERIFY_SSL", True),
            timeout=self.get_settings("OIDC_TIMEOUT", None),
            proxies=self.get_settings("OIDC_PROXY", None),
        )
        response.raise_for_status()
        return response

    def _fetch_json(self, url: str, access_token: str) -> dict[str, Any]:
        try:
            data = self._get(url, access_token).json()
        except (requests.RequestException, ValueError) as exc:
            raise SignInFailed("extra_claims_unavailable", f"{url}: {exc}"[:300]) from exc
        if not isinstance(data, dict):
            raise SignInFailed("extra_claims_unavailable", f"{url}: not a JSON object")
        return data

    def _userinfo(self, access_token: str) -> dict[str, Any]:
        if not access_token:
            raise SignInFailed("access_token_missing")
        try:
            response = self._get(self.OIDC_OP_USER_ENDPOINT, access_token)
            if response.headers.get("content-type", "").lower().startswith("application/jwt"):
                info = verify_signature(response.text)
                if info.get("iss") not in (None, self.get_settings("OIDC_OP_ISSUER")):
                    raise SignInFailed("userinfo_wrong_issuer", f"iss {info.get('iss')!r}")
            else:
                info = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SignInFailed("userinfo_unavailable", str(exc)[:300]) from exc
        if not isinstance(info, dict):
            raise SignInFailed("userinfo_unavailable", "not a JSON object")
        return info

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by userinfo and the adapter's extra claims."""
        claims = dict(payload)
        if self.get_settings("OIDC_FETCH_USERINFO", True) and self.OIDC_OP_USER_ENDPOINT:
            info = self._userinfo(access_token)
            if str(info.get("sub", "")) != str(payload["sub"]):
                raise SignInFailed("userinfo_sub_mismatch", f"userinfo sub {info.get('sub')!r}")
            claims.update({k: v for k, v in info.items() if k not in _TOKEN_CLAIMS})
        extra = get_adapter().extra_claims(access_token=access_token, fetch=self._fetch_json)
        claims.update({k: v for k, v in extra.items() if k not in _TOKEN_CLAIMS})
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        profile = get_adapter().profile(claims)
        result = portal_sign_in(profile=profile, claims=claims)
        self.request.sso_identity = result.identity
        if result.user is None:
            self.request.sso_pending = result.identity
        return result.user
