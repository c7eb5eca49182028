"""The client address that the public lookup limit and the login throttle both count."""
import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request) -> str:
    """The address the limits are counted against.

    Start with REMOTE_ADDR. While the address in hand belongs to a network in
    TRUSTED_PROXIES, it is a proxy of ours, and the entry it appended to
    X-Forwarded-For (the right-most one not yet used) says who connected to
    it. The first address outside those networks is the client: entries
    further left were written by the client and could be anything. With
    TRUSTED_PROXIES empty (the default) the header is never read. An IPv6
    client is counted by its /64, since one device can use any address in it.
    """
    address = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if networks:
        hops = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        while hops and (ip := _ip(address)) is not None and any(ip in network for network in networks):
            address = hops.pop()
    ip = _ip(address)
    if ip is None:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
