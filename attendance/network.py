"""Where a punch comes from: the client's address and the school's network rule."""

from common.client import client_ip, parse_address
from staff.models import School

__all__ = ["client_ip", "punch_network_allows"]


def punch_network_allows(school: School, ip: str | None) -> bool:
    """True when the school does not restrict punches, or ``ip`` is inside one of its networks.

    ``ip`` comes from ``common.client.client_ip``: the same address the sign-in lockout and the audit
    trail see. A school that turns the rule on with no networks listed accepts punches from nowhere.
    """
    if not school.enforce_punch_networks:
        return True
    address = parse_address(ip)
    if address is None:
        return False
    return any(address.version == net.version and address in net for net in school.allowed_networks())
