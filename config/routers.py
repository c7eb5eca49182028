"""The residents' pages read the streaming replica (REPLICA_DATABASE_URL); everything else stays on the primary.

Only while a view of the public app runs (PublicReadsMiddleware), only the
office's data (offices, enrollments, stock, print jobs), only outside a
transaction, and only while the replica is fresh (config/replica.py). The
lookup limit's counter, sessions and accounts are read and written on the
primary: a resident's count must never be read back stale. Every write goes
to the primary; the replica is never migrated.
"""
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

from config import replica

# The apps whose rows the public pages show.
REPLICA_APPS = {"registry", "inventory", "printing", "backlog"}
PUBLIC_VIEWS = "public.views"

_public_request = ContextVar("public_request", default=False)


class PublicReadsMiddleware:
    """Marks the running of a public view, so that the router may send its reads to the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _public_request.set(False)
        try:
            return self.get_response(request)
        finally:
            _public_request.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func.__module__ == PUBLIC_VIEWS:
            _public_request.set(True)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _public_request.get() or model._meta.app_label not in REPLICA_APPS or model._meta.label == settings.AUTH_USER_MODEL:
            return None
        if connections[replica.PRIMARY].in_atomic_block:
            return None  # a transaction's reads belong with its writes
        return replica.ALIAS if replica.fresh() else None

    def db_for_write(self, model, **hints):
        return replica.PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: a row read from either may refer to one read from the other.
        return {obj1._state.db, obj2._state.db} <= {replica.PRIMARY, replica.ALIAS} or None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == replica.ALIAS else None
