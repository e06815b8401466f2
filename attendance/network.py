"""Where a punch comes from: the client's address and the school's network rule."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from staff.models import School

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str | None) -> IPAddress | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    # ::ffff:203.64.10.5 is the IPv4 client behind a dual-stack socket.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For when trusted proxies are configured.

    With ATTENDANCE_TRUSTED_PROXY_COUNT = N, each of the N proxies appends the address it received
    the request from, so the client is the N-th entry from the right; entries further left are
    whatever the client claimed and are never believed. A header shorter than N means the request
    did not pass through the proxies: REMOTE_ADDR is then the true peer.
    """
    hops = settings.ATTENDANCE_TRUSTED_PROXY_COUNT
    chosen = request.META.get("REMOTE_ADDR")
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            chosen = forwarded[-hops]
    address = _parse(chosen)
    return str(address) if address is not None else None


def punch_network_allows(school: School, ip: str | None) -> bool:
    """True when the school does not restrict punches, or ``ip`` is inside one of its networks.

    A school that turns the rule on with no networks listed accepts punches from nowhere.
    """
    if not school.enforce_punch_networks:
        return True
    address = _parse(ip)
    if address is None:
        return False
    return any(address.version == net.version and address in net for net in school.allowed_networks())
