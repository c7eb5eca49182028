"""How many lookups a client may make on the public pages, counted per address in the database.

A window opens at a client's first lookup and lasts PUBLIC_LOOKUP_WINDOW_SECONDS;
within it, PUBLIC_LOOKUP_LIMIT lookups are answered. The counter is a row of
public.LookupCount, not a cache key: the limit keeps counting with Redis down
(the cache is Redis in production), and every process, gunicorn worker or not,
counts against the same row. One statement counts (INSERT ... ON CONFLICT DO
UPDATE, atomic on PostgreSQL and SQLite alike).

The client is the address the app's own front end saw: REMOTE_ADDR, and
X-Forwarded-For only as far as it was written by proxies in TRUSTED_PROXIES.
The login throttle (people/login_throttle.py) counts the same address.
"""
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from common.addresses import client_address

from .models import LookupCount


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
