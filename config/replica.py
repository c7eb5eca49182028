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
_fresh = False
_sightings: list[tuple[int, float]] = []  # (primary WAL position in bytes, when first seen unreplayed)


def configured() -> bool:
    return ALIAS in settings.DATABASES


def fresh() -> bool:
    """True if the replica may answer now; the answer of the last CHECK_SECONDS if there is one."""
    global _decided_at, _fresh
    with _lock:
        if time.monotonic() - _decided_at >= CHECK_SECONDS:
            _fresh = _check()
            _decided_at = time.monotonic()
        return _fresh


def forget():
    """Decide afresh at the next read (tests, and after the settings change)."""
    global _decided_at, _sightings
    with _lock:
        _decided_at, _sightings = float("-inf"), []
    cache.delete(_CACHE_KEY)


def lag_seconds() -> float | None:
    """How long the replica has been missing a position the primary had flushed; None if it cannot be told."""
    try:
        # The primary first: a replica read after it can only have replayed more.
        primary = _position(PRIMARY, "SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn")
        replayed = _position(ALIAS, "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
    except DatabaseError as error:
        log.warning("the replica's position cannot be read; the public pages read the primary: %s", error)
        connections[ALIAS].close()
        return None
    if replayed is None:
        log.warning("REPLICA_DATABASE_URL is not a standby (pg_last_wal_replay_lsn() is NULL); the public pages read the primary")
        return None
    return _record(primary, replayed, time.time())


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


def _check() -> bool:
    lag = lag_seconds()
    return lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
