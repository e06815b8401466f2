"""API authentication and throttling: expiring tokens, and rates counted on the client's real address."""

import datetime as dt
import functools
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
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


class _WindowCounterMixin:
    """Counts requests in fixed windows of the rate's period, in one cache round trip a request.

    DRF's own throttle keeps a sliding log — a pickled list of times, read and written back: two round trips
    to the shared cache at every API request, the largest part of what an API punch costs beyond the page's
    (bench/README.md). A window's counter is one pipelined ``INCR`` + ``EXPIRE`` on Redis. The price of a
    fixed window: a client may send up to twice the rate across a window's edge, still bounded for what the
    throttle is for (a runaway script, a guessing attacker). ``Retry-After`` is the time to the window's end.
    """

    rate: str | None
    num_requests: int
    duration: int
    retry_after: float = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]  # DRF's throttle's
        if key is None:
            return True
        now = self.timer()  # type: ignore[attr-defined]  # DRF's throttle's clock (time.time)
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        return window_hit(f"{key}:{window}", self.duration) <= self.num_requests

    def wait(self) -> float:
        return float(self.retry_after)


def window_hit(key: str, seconds: int) -> int:
    """Add one to the counter ``key`` (alive ``seconds`` after its last hit) in the default cache; its new
    value. One round trip on Redis; other caches (the demo's and the tests' local memory) take two calls."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.add(key, 0, seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, seconds)
            return 1
    stored = cache.make_and_validate_key(key)  # with the cache's prefix and version, as its own calls
    with cache._cache.get_client(stored, write=True).pipeline(transaction=False) as pipe:
        pipe.incr(stored)
        pipe.expire(stored, seconds)
        count, _expiry = pipe.execute()
    return int(count)


class AnonRateThrottle(_ClientAddressMixin, _WindowCounterMixin, throttling.AnonRateThrottle):
    """API_THROTTLE_ANON requests per client address for requests without a signed-in user."""


class UserRateThrottle(_ClientAddressMixin, _WindowCounterMixin, throttling.UserRateThrottle):
    """API_THROTTLE_USER requests per signed-in account (per address for anonymous requests)."""
