"""How many lookups a client may make on the public pages, counted per address in the database.

A window opens at a client's first lookup and lasts PUBLIC_LOOKUP_WINDOW_SECONDS;
within it, PUBLIC_LOOKUP_LIMIT lookups are answered. The counter is a row of
public.LookupCount, not a cache key: the limit keeps counting with Redis down
(the cache is Redis in production), and every process, gunicorn worker or not,
counts against the same row. One statement counts (INSERT ... ON CONFLICT DO
UPDATE, atomic on PostgreSQL and SQLite alike).

The client is the address the app's own front end saw: REMOTE_ADDR, and
X-Forwarded-For only as far as it was written by proxies in TRUSTED_PROXIES.
The login throttle (registry/login_throttle.py) counts the same address.
"""
import ipaddress
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection

from .models import LookupCount


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


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the client's window closes

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def _count_sql() -> str:
    # The ORM's upsert (bulk_create with update_conflicts) can only copy the new row's values; opening a
    # new window when the old one closed needs a CASE, so the statement is written out.
    table = connection.ops.quote_name(LookupCount._meta.db_table)
    count = connection.ops.quote_name("count")
    closed = f"{table}.window_start <= %s"
    return (
        f"INSERT INTO {table} (scope, address, window_start, {count}) VALUES (%s, %s, %s, 1) "
        f"ON CONFLICT (scope, address) DO UPDATE SET "
        f"{count} = CASE WHEN {closed} THEN 1 ELSE {table}.{count} + 1 END, "
        f"window_start = CASE WHEN {closed} THEN EXCLUDED.window_start ELSE {table}.window_start END "
        f"RETURNING {count}, window_start"
    )


def count_lookup(scope: str, request) -> Verdict:
    """Count one lookup of this client in this scope and say whether it may be answered."""
    window = settings.PUBLIC_LOOKUP_WINDOW_SECONDS
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(_count_sql(), [scope, client_address(request), now, now - window, now - window])
        count, opened = cursor.fetchone()
    if count == 1:
        # A window opened: a moment to forget the windows that closed (a client's row is renewed in place).
        LookupCount.objects.filter(window_start__lte=now - window).delete()
    retry_after = max(1, int(opened + window - now))
    return Verdict(allowed=count <= settings.PUBLIC_LOOKUP_LIMIT, retry_after=retry_after)
