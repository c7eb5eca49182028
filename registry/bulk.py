"""Loading many rows fast: PostgreSQL COPY from a stream, batched INSERTs on SQLite."""
import csv
from itertools import islice

from django.db import connection

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


class _LineStream:
    """A read()-able file over an iterator of text lines, for psycopg2's copy_expert.

    copy_expert pulls 8 kB at a time, so the rows are produced (parsed,
    validated) while PostgreSQL ingests the previous ones on the other core.
    """

    def __init__(self, lines):
        self._lines = lines
        self._buffer = ""

    def read(self, size=-1):
        chunks, length = [self._buffer], len(self._buffer)
        for line in self._lines:
            chunks.append(line)
            length += len(line)
            if 0 <= size <= length:
                break
        data = "".join(chunks)
        if size < 0:
            self._buffer = ""
            return data
        self._buffer = data[size:]
        return data[:size]

    readline = read


def load(table: str, columns: list[str], rows, batch_size: int = 5000) -> None:
    """Append tuples to `table` (a staging table: no triggers, no indexes to speak of)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            lines = ("\t".join(_copy_text(v) for v in row) + "\n" for row in rows)
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN", _LineStream(lines), size=65536
            )
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        rows = iter(rows)
        while batch := list(islice(rows, batch_size)):
            cursor.executemany(sql, batch)


def copy_out(sql: str, params, out) -> None:
    """Write a query's rows to `out` as CSV with a header: COPY TO STDOUT on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = cursor.cursor.mogrify(sql, params).decode()
            cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", out, size=65536)
            return
        cursor.execute(sql, params)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([col[0] for col in cursor.description])
        while batch := cursor.fetchmany(5000):
            writer.writerows(batch)
