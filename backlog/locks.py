"""The office's locks, in the one order every write takes them. Nothing else in the project takes them.

1. The import lock (`lock_for_import`): one import of an office at a time.
   Held while an import streams its rows in, which can take minutes; it
   blocks nothing but another import of the same office. Under it alone
   an import writes only what nobody else can see before it commits: its
   own new records (their state too: re-enrolled ones go on hold), and a
   duplicate case for a resident who has none (only the holder of this lock
   opens cases). A later export's updates of records already held
   (backlog.statuses) take it too, one batch at a time, before the ledger
   lock: a batch may open a case flagged by the centre.
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

Every lock above is one office's: no write waits for another office's. Nor
for anything else on the shared tables: an import analyses the enrollment
table after its commit, and never waits to (backlog.imports); every unique
key a write can meet is the office's own (the office or one of its rows
first; a Suket number starts with the office's code).

Outside the order: the office's accounts (people.accounts.lock_accounts, the
office's user rows FOR UPDATE in id order). Only the head's changes of accounts
take them, and those take no other lock, so they cannot meet a write above in
a circle; two heads changing roles at once run one after the other, and the
second sees the first's change before it checks that the office keeps a head.

Also outside the order, and never waited for: an upload's runner lock
(`upload_runner`), which the process importing an upload holds for as long
as it runs, and loses when it dies. It only ever is tried, so it cannot take
part in a deadlock.
"""
import threading
from contextlib import contextmanager

from django.db import connection

from inventory.models import BlankStock

# The import lock is a PostgreSQL advisory lock in this key space, one key per office. A row lock on
# the office would also do, but every new enrollment, movement and job checks its office foreign key
# against that row, and would wait for the whole import.
_IMPORT_LOCK_SPACE = 5371_0001
# The runner lock of an upload: a session-level advisory lock in this key space, one key per upload.
# Session-level, not in a transaction: it is held while the upload is claimed, imported and marked,
# and PostgreSQL drops it when the runner's connection goes (a killed worker holds nothing).
_UPLOAD_LOCK_SPACE = 5371_0002
# SQLite has no such lock: the embedded default runs tasks in the web process, so the uploads
# running in this process are all the runners there are.
_running_here = set()
_running_here_lock = threading.Lock()


def lock_for_import(office_id) -> None:
    """Lock 1: until the end of the transaction, no other import of this office runs.

    SQLite allows one writing transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_IMPORT_LOCK_SPACE, office_id])


def lock_ledger(office_id) -> BlankStock:
    """Lock 2: the office's ledger, until the end of the transaction. Returns the stock as it is now, with its office (its clock)."""
    return BlankStock.objects.select_for_update(of=("self",)).select_related("office").get(office_id=office_id)


def lock_rows(queryset) -> list:
    """Lock 3: these rows of an office, in id order; the caller holds the ledger lock."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


@contextmanager
def upload_runner(upload_id):
    """Try to become the upload's one runner: yields True if this process now runs it, False if a live one does."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_UPLOAD_LOCK_SPACE, upload_id])
            (held,) = cursor.fetchone()
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_UPLOAD_LOCK_SPACE, upload_id])
        return
    with _running_here_lock:
        held = upload_id not in _running_here
        _running_here.add(upload_id)
    try:
        yield held
    finally:
        if held:
            with _running_here_lock:
                _running_here.discard(upload_id)


def upload_runner_alive(upload_id) -> bool:
    """Whether a live process holds the upload's runner lock (a read: takes nothing)."""
    if connection.vendor != "postgresql":
        return upload_id in _running_here
    with connection.cursor() as cursor:
        # The two-key form of an advisory lock shows as classid, objid and objsubid 2 in pg_locks.
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = %s AND objid = %s AND objsubid = 2)",
            [_UPLOAD_LOCK_SPACE, upload_id],
        )
        return cursor.fetchone()[0]


def keep_upload_runners_out(upload_id) -> bool:
    """For a retry: until the end of the transaction no runner can start; False if a live one holds the upload."""
    if connection.vendor != "postgresql":
        return upload_id not in _running_here
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_UPLOAD_LOCK_SPACE, upload_id])
        return cursor.fetchone()[0]
