"""Loading many rows fast: PostgreSQL COPY (the file read on one core, the database at work on the other),
batched INSERTs on SQLite; and COPY TO STDOUT for exports."""
import csv
import io
import os
import queue
import threading

import psycopg2.errors
from django.db import connection, transaction
from django.utils import timezone, translation

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _Finished:
    def __init__(self, error=None):
        self.error = error


class in_background:
    """Iterate over `items` produced by a thread, at most `depth` ahead of the consumer.

    For reading and validating a file while the database loads what was read
    before: psycopg2 lets go of the GIL while a statement runs. The thread runs
    in the caller's language and time zone (gettext and localdate are
    per-thread); an exception in it is raised again in the consumer. Use it as
    a context manager, so that leaving early stops the thread.
    """

    def __init__(self, items, depth=2):
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce, args=(items, translation.get_language(), timezone.get_current_timezone()),
            name="bulk-reader", daemon=True,
        )

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items, language, zone):
        try:
            with translation.override(language), timezone.override(zone):
                for item in items:
                    if not self._put(item):
                        return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self._put(_Finished(exc))
            return
        self._put(_Finished())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def __iter__(self):
        while True:
            item = self._queue.get()
            if isinstance(item, _Finished):
                if item.error is not None:
                    raise item.error
                return
            yield item


class AppendNew:
    """Append rows to `table` in the caller's transaction, skipping rows its unique key `conflict` already holds.

    Rows are tuples of text (dates as YYYY-MM-DD) for `columns`; `constants`
    (column -> value) are the same for every row. Rows go in in the order
    given, so ids follow it. `encode(row)` and `batch(encoded_rows)` touch no
    database and can run in a reading thread; `load(batches)` loads them all;
    `added` then says how many rows went in.

    On PostgreSQL the batches stream straight into the table with COPY, one
    statement per UNIT_ROWS rows, each under a savepoint: the fastest way in
    while every row is new (a first load, the new part of an export). COPY
    cannot skip a row that is already there; when one is (a re-run, a file
    that repeats a row), the savepoint takes the unit back out and it goes
    through a staging table and INSERT ... ON CONFLICT DO NOTHING instead. A
    unit's batches are kept until it is in, so memory is bounded by UNIT_ROWS.
    """

    UNIT_ROWS = 100_000
    # Past 64 subtransactions PostgreSQL's snapshots overflow and every other
    # session slows down; units beyond this many take the staging way.
    MAX_SAVEPOINTS = 60

    def __init__(self, table: str, columns, constants: dict, conflict, on_existing=None):
        self.table = table
        # on_existing(cursor, staging): called after the rows of a staging table went in, with that table's name;
        # its rows that were skipped are the ones the table already held (a later export of records held).
        self.on_existing = on_existing
        self.columns = [*columns, *constants]
        self.conflict = ", ".join(conflict)
        self.postgres = connection.vendor == "postgresql"
        self.added = 0
        self._staging = None
        if self.postgres:
            self._suffix = "".join(f"\t{_copy_text(value)}" for value in constants.values()) + "\n"
        else:
            self._constants = tuple(constants.values())

    def encode(self, row):
        """One row as load() wants it (a line of COPY text on PostgreSQL)."""
        if not self.postgres:
            return (*row, *self._constants)
        line = "\t".join(row)
        if line.count("\t") != len(row) - 1 or "\\" in line or "\n" in line or "\r" in line:
            line = "\t".join(value.translate(_COPY_ESCAPES) for value in row)
        return line

    def batch(self, encoded: list):
        """Encoded rows, packed for load()."""
        if not self.postgres:
            return encoded
        return (self._suffix.join(encoded) + self._suffix).encode(), len(encoded)

    def load(self, batches) -> None:
        batches = iter(batches)
        with connection.cursor() as cursor:
            if not self.postgres:
                self._sqlite(cursor, batches)
                return
            savepoints = 0
            while True:
                unit = _Unit(batches, self.UNIT_ROWS)
                if savepoints < self.MAX_SAVEPOINTS:
                    savepoint = transaction.savepoint()
                    try:
                        unit.copy_into(cursor, self.table, self.columns)
                    except psycopg2.errors.UniqueViolation:
                        transaction.savepoint_rollback(savepoint)  # an aborted subtransaction leaves no trace
                        unit.read_all()
                        self._through_staging(cursor, unit.kept)
                    else:
                        transaction.savepoint_commit(savepoint)
                        savepoints += 1
                        self.added += unit.rows
                else:
                    unit.read_all()
                    self._through_staging(cursor, unit.kept)
                if unit.last:
                    return

    def _sqlite(self, cursor, batches):
        columns = ", ".join(self.columns)
        staging = f"{self.table}_staging"
        cursor.execute(f"DROP TABLE IF EXISTS temp.{staging}")
        cursor.execute(f"CREATE TEMP TABLE {staging} AS SELECT {columns} FROM {self.table} WHERE 0")
        for batch in batches:
            cursor.executemany(f"INSERT INTO {staging} ({columns}) VALUES ({', '.join(['%s'] * len(self.columns))})", batch)
            # "WHERE true": SQLite's parser needs it between a SELECT and its ON CONFLICT.
            cursor.execute(f"INSERT INTO {self.table} ({columns}) SELECT {columns} FROM {staging} WHERE true ORDER BY rowid "
                           f"ON CONFLICT ({self.conflict}) DO NOTHING")
            self.added += cursor.rowcount
            if self.on_existing:
                self.on_existing(cursor, staging)
            cursor.execute(f"DELETE FROM {staging}")
        cursor.execute(f"DROP TABLE temp.{staging}")

    def _through_staging(self, cursor, kept):
        if not kept:
            return
        columns = ", ".join(self.columns)
        if self._staging is None:
            # pg_temp named outright: the session's own table, even if an earlier load in this transaction left one.
            self._staging = f"pg_temp.{self.table}_staging"
            cursor.execute(
                f"DROP TABLE IF EXISTS {self._staging};"
                f" CREATE TEMP TABLE {self.table}_staging ON COMMIT DROP AS SELECT {columns} FROM {self.table} WITH NO DATA;"
                f" ALTER TABLE {self._staging} ADD COLUMN seq bigserial"
            )
        else:
            cursor.execute(f"TRUNCATE {self._staging}")
        cursor.cursor.copy_expert(f"COPY {self._staging} ({columns}) FROM STDIN", _Replay(kept))
        cursor.execute(
            f"INSERT INTO {self.table} ({columns}) SELECT {columns} FROM {self._staging} ORDER BY seq "
            f"ON CONFLICT ({self.conflict}) DO NOTHING"
        )
        self.added += cursor.rowcount
        if self.on_existing:
            self.on_existing(cursor, self._staging)


class _Unit:
    """A file for psycopg2's copy_expert that reads batches of COPY text until `limit` rows, keeping them.

    Handing whole batches to COPY keeps the server's input buffered while this
    thread waits for the GIL, so the server never idles between batches.
    """

    def __init__(self, batches, limit):
        self._batches = batches
        self._limit = limit
        self.kept: list[bytes] = []
        self.rows = 0
        self.last = False  # the batches ran out
        self._error = None

    def read(self, size=-1):
        if self.last or self.rows >= self._limit:
            return b""
        try:
            batch = next(self._batches, None)
        except BaseException as exc:
            self._error = exc  # psycopg2 only reports "error in .read() call": raised again by copy_into
            raise
        if batch is None:
            self.last = True
            return b""
        data, count = batch
        self.kept.append(data)
        self.rows += count
        return data

    def read_all(self):
        while self.read():
            pass

    def copy_into(self, cursor, table, columns):
        try:
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", self)
        except psycopg2.Error:
            if self._error is not None:
                raise self._error from None
            raise


class _Replay:
    """A file over batches of COPY text already read."""

    def __init__(self, kept):
        self._kept = iter(kept)

    def read(self, size=-1):
        return next(self._kept, b"")


def _copy_text(value) -> str:
    return str(value).translate(_COPY_ESCAPES)


def copy_out(sql: str, params, out) -> None:
    """Write a query's rows to `out`, a binary file, as UTF-8 CSV with a header: COPY TO STDOUT on PostgreSQL.

    Binary, so the rows go from the server to the file as they come, never
    decoded into Python text and encoded again.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.cursor.copy_expert(_copy_sql(cursor, sql, params), out, size=65536)
            return
        for chunk in _csv_chunks(cursor, sql, params):
            out.write(chunk)


def stream_out(sql: str, params):
    """copy_out's bytes as an iterator of chunks, for a download that starts at once (StreamingHttpResponse).

    On PostgreSQL COPY writes into a pipe from a thread on this request's own
    connection (its transaction, its settings: the same bytes as copy_out)
    while the response reads the other end. A reader that goes away (a
    download cancelled) stops COPY half way; the connection is then closed,
    never handed on in the middle of a COPY.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield from _csv_chunks(cursor, sql, params)
        return
    connection.ensure_connection()
    raw = connection.connection
    with connection.cursor() as cursor:
        copy = _copy_sql(cursor, sql, params)
    read_end, write_end = os.pipe()
    failed = []

    def produce():
        try:
            # Closing the file flushes it: a reader gone away shows there too (a broken pipe).
            with open(write_end, "wb") as out, raw.cursor() as cursor:
                cursor.copy_expert(copy, out, size=65536)
        except BaseException as exc:  # noqa: BLE001 - raised again (or the connection dropped) by the reader
            failed.append(exc)

    thread = threading.Thread(target=produce, name="copy-out", daemon=True)
    thread.start()
    finished = False
    try:
        with open(read_end, "rb", buffering=0) as source:
            while chunk := source.read(65536):
                yield chunk
        finished = True
    finally:
        thread.join()
        if failed:
            connection.close()
            if finished:
                raise failed[0]


def _copy_sql(cursor, sql, params) -> str:
    return f"COPY ({cursor.cursor.mogrify(sql, params).decode()}) TO STDOUT WITH (FORMAT csv, HEADER)"


def _csv_chunks(cursor, sql, params):
    """The rows as COPY's CSV writes them (a header, `,`, quotes only where needed, `\n`), UTF-8, a chunk per 5,000 rows."""
    cursor.execute(sql, params)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([col[0] for col in cursor.description])
    while batch := cursor.fetchmany(5000):
        writer.writerows(batch)
        yield text.getvalue().encode()
        text.seek(0)
        text.truncate()
    if text.tell():
        yield text.getvalue().encode()
