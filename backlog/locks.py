"""The office's locks, in the one order every write takes them. Nothing else in the project takes them.

1. The import lock (`lock_for_import`): one import of an office at a time.
   Held while an import streams its rows in, which can take minutes; it
   blocks nothing but another import of the same office. Under it alone
   an import writes only what nobody else can see before it commits: its
   own new records (their state too: re-enrolled ones go on hold), and a
   duplicate case for a resident who has none (only imports open cases).
2. The ledger lock (`lock_ledger`): the office's BlankStock row, FOR UPDATE.
   Taken first thing by every write that changes a card's state, the ledger
   or a maintained figure, and by an import only for its short final step.
   Writes of one office run one after the other from here on.
3. Rows of the office (enrollments, print jobs, cases, counts, figures),
   only after the ledger lock, and several rows always in id order
   (`lock_rows`).

A write that needs two of them takes them in this order; nothing takes an
earlier one while holding a later one. So no two writes of an office can
wait for each other in a circle: no deadlock.

A row that another transaction holds (a Suket being issued, a record being
corrected) is waited for, never skipped: the queue is fair.
"""
from django.db import connection

from inventory.models import BlankStock

# The import lock is a PostgreSQL advisory lock in this key space, one key per office. A row lock on
# the office would also do, but every new enrollment, movement and job checks its office foreign key
# against that row, and would wait for the whole import.
_IMPORT_LOCK_SPACE = 5371_0001


def lock_for_import(office_id) -> None:
    """Lock 1: until the end of the transaction, no other import of this office runs.

    SQLite allows one writing transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_IMPORT_LOCK_SPACE, office_id])


def lock_ledger(office_id) -> BlankStock:
    """Lock 2: the office's ledger, until the end of the transaction. Returns the stock as it is now."""
    return BlankStock.objects.select_for_update(of=("self",)).get(office_id=office_id)


def lock_rows(queryset) -> list:
    """Lock 3: these rows of an office, in id order; the caller holds the ledger lock."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))
