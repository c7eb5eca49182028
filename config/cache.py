"""Redis as a cache that only saves work: with Redis away, a read misses and a write is dropped, with a warning.

Nothing the app must not lose is kept in the cache (the public ready board,
an import's progress): so a page never fails because Redis is down, and
every caller reads the cache as usual, without a try of its own.
"""
import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Method -> what it gives when Redis cannot be reached (None: the caller's default, for get).
_MISSES = {"get": None, "get_many": {}, "has_key": False, "set": None, "set_many": [], "add": False,
           "delete": False, "delete_many": None, "touch": False, "clear": False}


def _forgiving(name, miss):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            log.warning("the cache (Redis) is unreachable; %s goes without it: %s", name, error)
            if name == "get":
                return kwargs.get("default", args[1] if len(args) > 1 else None)
            return miss

    return call


class ForgivingRedisCache(RedisCache):
    pass


for _name, _miss in _MISSES.items():
    setattr(ForgivingRedisCache, _name, _forgiving(_name, _miss))
