"""How many lookups a client may make on the public pages, counted per address in the shared cache.

A window opens at a client's first lookup and lasts PUBLIC_LOOKUP_WINDOW_SECONDS;
within it, PUBLIC_LOOKUP_LIMIT lookups are answered. The cache is Redis in
production, so every gunicorn worker counts against the same figure (INCR is
atomic there; the local-memory cache locks).
"""
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The address the limit is counted against.

    REMOTE_ADDR, unless PUBLIC_TRUSTED_PROXIES says how many proxies of ours
    append to X-Forwarded-For: then the entry that many places from the right,
    the address the outermost of them saw. Entries further left were written
    by the client and could be anything. An IPv6 client is counted by its /64,
    since one device can use any address in it.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PUBLIC_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the client's window closes

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def count_lookup(scope: str, request) -> Verdict:
    """Count one lookup of this client in this scope and say whether it may be answered."""
    window = settings.PUBLIC_LOOKUP_WINDOW_SECONDS
    now = time.time()
    key = f"public-lookups:{scope}:{client_address(request)}"
    cache.add(f"{key}:opened", now, timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window closed between add and incr: this lookup opens the next one
        cache.set(f"{key}:opened", now, timeout=window)
        cache.set(key, 1, timeout=window)
        count = 1
    opened = cache.get(f"{key}:opened", now)
    retry_after = max(1, int(opened + window - now))
    return Verdict(allowed=count <= settings.PUBLIC_LOOKUP_LIMIT, retry_after=retry_after)
