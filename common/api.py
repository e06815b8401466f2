"""API authentication and throttling: expiring tokens, and rates counted on the client's real address."""

import datetime as dt
import functools
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, throttling
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from common.client import client_ip
from common.prepared import PreparedLookup


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused API_TOKEN_DAYS after it was issued.

    Rotation: personnel delete the token in the admin (Auth Token › Tokens) and add a new one for the
    same person; the old key stops working at once. An expired token is refused with 401 and a message
    saying so, never silently treated as anonymous.
    """

    # Relations of the account read in the token's one query (a subclass names them: the person behind it).
    related: tuple[str, ...] = ()

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        # Every API request starts here: the query is compiled once (common/prepared.py).
        token = _token_lookup(self.related).get(key)
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # refused with DRF's own message
        if token.created < timezone.now() - dt.timedelta(days=settings.API_TOKEN_DAYS):
            raise exceptions.AuthenticationFailed(_("API 權杖已過期，請向人事室重新申請。"))
        return token.user, token


@functools.cache
def _token_lookup(related: tuple[str, ...]) -> PreparedLookup[Token]:
    return PreparedLookup(Token, "key", select_related=("user", *(f"user__{name}" for name in related)))


class _ClientAddressMixin:
    def get_ident(self, request: Request) -> str:
        # The same address the sign-in lockout and the audit trail see (common/client.py), not
        # DRF's own reading of X-Forwarded-For.
        return client_ip(request) or "unknown"


class AnonRateThrottle(_ClientAddressMixin, throttling.AnonRateThrottle):
    """API_THROTTLE_ANON requests per client address for requests without a signed-in user."""


class UserRateThrottle(_ClientAddressMixin, throttling.UserRateThrottle):
    """API_THROTTLE_USER requests per signed-in account (per address for anonymous requests)."""
