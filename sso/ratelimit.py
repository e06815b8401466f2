"""Password-reset requests, rate-limited per address asked for and per client address (Django's cache).

A request over either limit gets the same answer as any other (the "if this address has an account,
a link is on its way" page) and sends nothing, so the limits say nothing about which email addresses
have accounts: every submitted address is counted, known or not. Windows are fixed
(PASSWORD_RESET_RATE_WINDOW seconds) and the counters live in the shared cache (CACHE_URL), so every
app server counts together.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    # Hashed so an email address never appears as a cache key (and any length fits).
    return f"sso:reset:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _hit(key: str, limit: int) -> bool:
    """Count one request; True while the window's count is within ``limit``."""
    window = settings.PASSWORD_RESET_RATE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def reset_allowed_for_address(ip: str | None) -> bool:
    return _hit(_key("ip", ip or "unknown"), settings.PASSWORD_RESET_LIMIT_PER_ADDRESS)


def reset_allowed_for_email(email: str) -> bool:
    return _hit(_key("email", email.strip().lower()), settings.PASSWORD_RESET_LIMIT_PER_EMAIL)
