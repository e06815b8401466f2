"""The client's address: one helper for the sign-in lockout, the clock-in network rule and the audit trail.

Behind reverse proxies the connection's address (REMOTE_ADDR) is the nearest proxy, and the client is
in X-Forwarded-For. That header is believed only as far as the deployment says (docs/architecture.md,
"The client's address"):

- ``TRUSTED_PROXY_COUNT = N`` proxies sit in front of the app, each appending the address it received
  the request from. The client is then the N-th entry from the right; entries further left were written
  by the client and are never believed. A header shorter than N means the request did not come through
  the proxies: the connection's address is the client.
- ``TRUSTED_PROXY_ADDRESSES`` (optional networks): when set, the header is read only on connections
  from those addresses, so a request that reaches the app server directly cannot claim any address.
"""

import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_CACHE_ATTRIBUTE = "_campus_client_ip"


def parse_address(value: str | None) -> IPAddress | None:
    """An address from text, or None; ``::ffff:203.64.10.5`` (IPv4 behind a dual-stack socket) is IPv4."""
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def trusted_proxy_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXY_ADDRESSES))


def _from_trusted_proxy(peer: IPAddress | None) -> bool:
    networks = trusted_proxy_networks()
    if not networks:
        return True
    return peer is not None and any(peer.version == net.version and peer in net for net in networks)


def resolve_client_ip(meta: Mapping[str, Any]) -> str | None:
    """The client's address from a request's META (see the module's docstring)."""
    peer = parse_address(meta.get("REMOTE_ADDR"))
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0 and _from_trusted_proxy(peer):
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            # What the outermost trusted proxy saw; unparseable means no usable address, not the proxy's.
            address = parse_address(forwarded[-hops])
            return str(address) if address is not None else None
    return str(peer) if peer is not None else None


def client_ip(request: HttpRequest | None, *args: object) -> str | None:
    """The client's address for this request (computed once per request).

    Also django-axes' ``AXES_CLIENT_IP_CALLABLE``, so lockouts count the same address.
    """
    if request is None:
        return None
    cached: str | bool | None = getattr(request, _CACHE_ATTRIBUTE, False)
    if cached is not False:
        return cached if isinstance(cached, str) else None
    address = resolve_client_ip(request.META)
    setattr(request, _CACHE_ATTRIBUTE, address)
    return address
