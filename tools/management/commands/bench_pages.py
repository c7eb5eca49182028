"""`make bench-pages`: every office page and every public page at two sizes of office, in one database.

A small office and a big one (100,000 and 5,000,000 enrollments by default,
a tenth of each queued) are filled through the real commands (the import of
a demo SIAK file, blanks received, the queue built) and a day at the desks
through the write side (tools/page_timer.py); then every page is served by
the app in a child process and timed (median of five). The table gives each
page's time in both offices and the target: under 150 ms at the median, and
within 1.5 times (or 20 ms more, whichever is larger) the small office's.
"""
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import CommandError

from registry.demo import write_demo_csv

from .bench import BENCH_PREFIX, Command as Bench, bench_url, connect_params, machine_line

SMALL_OFFICE, BIG_OFFICE = "5372", "5371"  # Kabupaten Kupang beside Kota Kupang, both WITA
TARGET_MEDIAN = 0.150
TARGET_GROWTH, TARGET_SLACK = 1.5, 0.020


class Command(Bench):
    help = ("Time every office page and every public page in a small and a big office on PostgreSQL (median of five, "
            "server time). Prints a table; exits 1 on a missed target only with --strict.")

    def add_arguments(self, parser):
        parser.add_argument("--small", type=int, default=100_000, help="enrollments of the small office (default 100,000)")
        parser.add_argument("--big", type=int, default=5_000_000, help="enrollments of the big office (default 5,000,000)")
        parser.add_argument("--queued", type=float, default=0.1, help="share of each office's enrollments queued (default 0.1)")
        parser.add_argument("--database-url", default="", help="PostgreSQL server to use; the database is always a fresh ektp_bench_pages*")
        parser.add_argument("--reuse", action="store_true", help="time the pages in a kept database (from an earlier --keep) without building it")
        parser.add_argument("--keep", action="store_true", help="keep the database afterwards (make loadtest and --reuse use it)")
        parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")

    def handle(self, *args, small, big, queued, database_url, reuse, keep, strict, **options):
        if not 10 <= small <= big or not 0 < queued < 0.9:
            raise CommandError("need 10 <= --small <= --big and 0 < --queued < 0.9")
        url = bench_url(database_url or os.environ.get("DATABASE_URL", ""))
        # Its own database beside make bench's (ektp_bench), unless one named ektp_bench* was given.
        self.url = url + "_pages" if url.endswith(f"/{BENCH_PREFIX}") else url
        self.params = connect_params(self.url)
        self.env = {**os.environ, "DATABASE_URL": self.url, "CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "",
                    "DEBUG": "0", "SECRET_KEY": "bench-pages", "ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "ERROR"}
        self.started = time.perf_counter()
        self.missed = False
        if not reuse:
            self.create_database()
        else:
            self.server_version = self.sql_value("SHOW server_version", [])
        try:
            if not reuse:
                self.say("migrating a fresh database")
                self.manage("migrate", "--noinput", check=True)
                with tempfile.TemporaryDirectory(prefix="ektp-bench-pages-") as folder:
                    for code, size in ((SMALL_OFFICE, small), (BIG_OFFICE, big)):
                        self.fill(Path(folder), code, size, round(size * queued))
                self.vacuum()
            self.say("timing every page in both offices")
            step = self.manage("shell", "-c", f"from tools.page_timer import time_pages; time_pages({[SMALL_OFFICE, BIG_OFFICE]!r})", check=True)
            times = json.loads(step.out.strip().splitlines()[-1])
            counts = {code: self.sql_value("SELECT count(*) FROM registry_enrollment e JOIN registry_office o ON o.id = e.office_id"
                                           " WHERE o.code = %s", [code]) for code in (SMALL_OFFICE, BIG_OFFICE)}
            queues = {code: self.sql_value("SELECT count(*) FROM printing_printjob j JOIN registry_office o ON o.id = j.office_id"
                                           " WHERE o.code = %s AND j.state = 'queued'", [code]) for code in (SMALL_OFFICE, BIG_OFFICE)}
            self.print_pages(times, counts, queues)
            ledger = self.manage("check_ledger", ok=(0, 1))
            self.stdout.write(f"check_ledger (exit {ledger.code}): {' | '.join(ledger.out.split(chr(10))).strip(' |')}")
            self.missed |= ledger.code != 0
        finally:
            if keep or reuse:
                self.stdout.write(f"kept the database: {self.url}")
            else:
                self.drop_database()
        if self.missed and strict:
            sys.exit(1)

    def fill(self, folder, code, size, queue):
        self.manage("create_office", code, "--name", f"Disdukcapil {code}", check=True)
        self.say(f"office {code}: writing and importing {size:,} enrollments")
        path = write_demo_csv(folder / f"{code}.csv", code, size)
        step = self.manage("import_enrollments", str(path), "--office", code, ok=(0, 1))
        self.say(f"office {code}: imported in {step.seconds:.0f} s; receiving {queue:,} blanks and building the queue")
        path.unlink()
        self.manage("receive_blanks", "--office", code, "--quantity", str(queue), "--reference", "BENCH-PAGES",
                    check=True, env={"CELERY_BROKER_URL": "memory://"})
        self.vacuum()
        step = self.manage("build_print_queue", "--office", code, check=True)
        self.say(f"office {code}: queue built in {step.seconds:.0f} s; a day at the desks")
        self.manage("shell", "-c", f"from tools.page_timer import prepare; prepare({code!r})", check=True)

    def print_pages(self, times, counts, queues):
        small, big = times[SMALL_OFFICE], times[BIG_OFFICE]
        rows = []
        for label in small:
            a, b = small[label], big[label]
            ok = b < TARGET_MEDIAN and b <= max(a * TARGET_GROWTH, a + TARGET_SLACK)
            self.missed |= not ok
            rows.append((label, f"{a * 1000:,.0f} ms", f"{b * 1000:,.0f} ms", f"{b / a:.2f}×", "ok" if ok else "MISSED"))
        self.stdout.write(machine_line(self.server_version))
        self.write_table(("page (median of 5, server time)",
                          f"{counts[SMALL_OFFICE]:,} enrollments, {queues[SMALL_OFFICE]:,} queued",
                          f"{counts[BIG_OFFICE]:,} enrollments, {queues[BIG_OFFICE]:,} queued", "ratio", "verdict"), rows)
        self.stdout.write(f"Target: under {TARGET_MEDIAN * 1000:.0f} ms in the big office and within {TARGET_GROWTH}× (or "
                          f"+{TARGET_SLACK * 1000:.0f} ms, whichever is larger) of the small office's. Served by Django's test client "
                          "in one process (routing, middleware, view, queries, template), the cache emptied before each request.")
