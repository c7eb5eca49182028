"""Whether the residents' pages may read the streaming replica now: it is not REPLICA_MAX_LAG_SECONDS behind.

Behind is told by WAL positions, never by replay timestamps (the last
replayed commit grows old on a primary that simply has nothing to write):
the replica is behind when it has not replayed up to the position the
primary had flushed. How long it has been behind is the age of the oldest
primary position seen and not yet replayed; those sightings are kept in
the cache, so every web process and machine measures from the first
sighting (with the cache away, each process from its own). The answer is
kept CHECK_SECONDS in each process, so a page costs two extra queries at
most once a second. A replica that cannot be reached, or is not a
standby, is not used.
"""
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

ALIAS, PRIMARY = "replica", "default"
CHECK_SECONDS = 1.0
# Enough sightings (one a check) for a replica behind by minutes; past it the oldest is kept, then the newest.
_KEPT = 120
_CACHE_KEY = "replica-unreplayed-positions"

_lock = threading.Lock()
_decided_at = float("-inf")
_fresh: bool | None = None  # not decided yet
_sightings: list[tuple[int, float]] = []  # (primary WAL position in bytes, when first seen unreplayed)


def fresh() -> bool:
    """True if the replica may answer now; the answer of the last CHECK_SECONDS if there is one."""
    global _decided_at, _fresh
    with _lock:
        if time.monotonic() - _decided_at >= CHECK_SECONDS:
            lag, why = lag_seconds()
            fresh = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
            # Logged when the pages change databases (and a first answer of no), not at every check.
            if fresh != _fresh and (_fresh is not None or not fresh):
                if fresh:
                    log.warning("the public pages read the replica again")
                else:
                    log.warning("the public pages read the primary: %s", why or f"the replica is {lag:.1f} s behind")
            _fresh, _decided_at = fresh, time.monotonic()
        return _fresh


def lag_seconds() -> tuple[float | None, str]:
    """How long the replica has been missing a position the primary had flushed; None (and why) if it cannot be told."""
    try:
        # The primary first: a replica read after it can only have replayed more.
        primary = _position(PRIMARY, "SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn")
        replayed = _position(ALIAS, "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
    except DatabaseError as error:
        connections[ALIAS].close()
        return None, f"the replica's position cannot be read: {error}"
    if replayed is None:
        return None, "REPLICA_DATABASE_URL is not a standby (pg_last_wal_replay_lsn() is NULL)"
    return _record(primary, replayed, time.time()), ""


def _position(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        value = cursor.fetchone()[0]
    return None if value is None else int(value)


def _record(primary: int, replayed: int, now: float) -> float:
    global _sightings
    shared = cache.get(_CACHE_KEY)
    sightings = [(position, seen) for position, seen in (shared if shared is not None else _sightings) if position > replayed]
    if primary > replayed and (not sightings or sightings[-1][0] < primary):
        sightings.append((primary, now))
    if len(sightings) > _KEPT:
        sightings = sightings[:1] + sightings[-(_KEPT - 1):]
    _sightings = sightings
    cache.set(_CACHE_KEY, sightings, timeout=3600)
    return now - sightings[0][1] if sightings else 0.0
