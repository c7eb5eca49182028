"""`make bench-offices`: one office's pages alone on the deployment, then among a hundred offices.

The largest office (Kota Kupang, --largest demo enrollments, a tenth of them
queued and some printed) is set up alone and its pages are timed; then 99
more offices of --others enrollments each are imported, stocked and built
with the same services, and the same pages are timed again, with one of the
small offices beside them. Every page is served by the app through Django's
test client in a child process, as the office's head (or a resident for the
public pages): the median of five after one warm-up, server time. The bench
works in a fresh database of its own (ektp_bench_offices) and drops it at
the end.
"""
import json
import os
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools.management.commands.bench import Command as Bench, bench_url, connect_params, machine_line

LARGEST = "5371"
BENCH_NAME = "ektp_bench_offices"
TARGET_RATIO, TARGET_SLACK = 1.5, 0.020  # among 100 offices: within 1.5x (or +20 ms) of alone, as issue 15 asks of size

# One child process sets offices up with the services a clerk's actions call: office, import, blanks, the queue
# build, a few cards printed (and one collected), a head to look at the pages.
SET_UP = """
import json, os, time
from backlog.desks import mark_printed, record_pickup
from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.offices import create_office
from backlog.queue import build_print_queue
from django.contrib.auth import get_user_model
from people.roles import Role, system_user
from printing.selectors import queue_in_print_order
from registry.demo import write_demo_csv
started = time.perf_counter()
for n, code in enumerate(%(codes)r):
    office = create_office(code=code, by=system_user())
    head = get_user_model().objects.create_user(username=f"kepala.{code}", office=office, role=Role.HEAD)
    clerk = get_user_model().objects.create_user(username=f"petugas.{code}", office=office, role=Role.CLERK)
    path = os.path.join(%(folder)r, f"{code}.csv")
    write_demo_csv(path, code, %(enrollments)d, seed=n + 7)
    import_enrollments(office=office, path=path, by=clerk)
    os.remove(path)
    receive_blanks(office=office, quantity=%(enrollments)d // 10, reference=f"BENCH/{code}", by=system_user())
    build_print_queue(office=office, by=system_user())
    for _ in range(%(printed)d):
        job = mark_printed(job=queue_in_print_order(office).first(), by=clerk)
    record_pickup(job=job, by=clerk)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

# The pages, timed in one child process through the test client: {label: [status, median seconds, first seconds]}.
PAGES = [
    ("dashboard", "/dasbor/"), ("print desk", "/cetak/"), ("pickup desk", "/pengambilan/"), ("ready cards", "/pengambilan/siap/"),
    ("enrollments desk", "/perekaman/"), ("duplicates desk", "/data-ganda/"), ("Suket list", "/suket/"), ("stock", "/stok/"),
    ("monthly report", "/stok/laporan/"), ("requests", "/permintaan/"),
    ("public: offices", "/publik/"), ("public: ready board", "/publik/{code}/"),
]
PAGE_TIMER = """
import json, statistics, time
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from registry.models import Enrollment
setup_test_environment()
code, pages, runs = %(code)r, %(pages)r, %(runs)d
office_client, public = Client(), Client()
office_client.force_login(get_user_model().objects.get(username=f"kepala.{code}"))
queued = Enrollment.objects.filter(office__code=code, state="queued").order_by("-enrolled_on", "-id").first()  # last in the queue
timed = {}
def time_it(label, call):
    times = []
    for n in range(runs + 1):
        start = time.perf_counter()
        response = call(n)
        times.append(time.perf_counter() - start)
    timed[label] = [response.status_code, statistics.median(times[1:]), times[0]]
for label, path in pages:
    client = public if path.startswith("/publik/") else office_client
    time_it(label, lambda n: client.get(path.format(code=code), secure=True))
# A resident asks after a queued card; each try from an address of its own, as residents are, so the limit never answers.
form = {"nik": queued.nik, "tanggal_lahir": queued.birth_date.strftime("%%d-%%m-%%Y"), "nama_ibu": queued.mother_name}
time_it("public: my card, a queued card", lambda n: public.post("/publik/kartu-saya/", form, secure=True, REMOTE_ADDR=f"127.9.{n // 250}.{n %% 250 + 1}"))
print(json.dumps(timed))
"""


class Command(BaseCommand):
    help = ("Time one office's pages alone, then among 100 offices (99 more of --others enrollments each), on PostgreSQL. "
            "Prints a table; exits 1 on a missed target only with --strict.")

    def add_arguments(self, parser):
        parser.add_argument("--largest", type=int, default=500_000, help="enrollments of the largest office (default 500,000)")
        parser.add_argument("--others", type=int, default=20_000, help="enrollments of each of the other offices (default 20,000)")
        parser.add_argument("--offices", type=int, default=100, help="offices in all (default 100)")
        parser.add_argument("--runs", type=int, default=5, help="timed runs of each page after one warm-up; the median counts (default 5)")
        parser.add_argument("--database-url", default="", help="PostgreSQL server to use; the database is always a fresh ektp_bench_offices*")
        parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
        parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")

    def handle(self, *args, largest, others, offices, runs, database_url, keep, strict, **options):
        if largest < 1000 or others < 100 or not 2 <= offices <= 400 or runs < 1:
            raise CommandError("need --largest >= 1000, --others >= 100, 2 <= --offices <= 400 and --runs >= 1")
        self.runs = runs
        url = bench_url(database_url or os.environ.get("DATABASE_URL", ""))
        if not url.rsplit("/", 1)[-1].startswith(BENCH_NAME):
            url = f"{url.rsplit('/', 1)[0]}/{BENCH_NAME}"
        # The plumbing of `make bench`: its child processes, connections and database handling.
        bench = self.bench = Bench(stdout=self.stdout, stderr=self.stderr)
        bench.url, bench.params, bench.started = url, connect_params(url), time.perf_counter()
        bench.env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "",
                     "DEBUG": "0", "SECRET_KEY": "bench-offices", "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "testserver"}
        bench.create_database()
        try:
            with tempfile.TemporaryDirectory(prefix="ektp-bench-offices-") as folder:
                missed = self.run_bench(Path(folder), largest, others, offices)
        finally:
            if keep:
                self.stdout.write(f"kept the bench database: {url}")
            else:
                bench.drop_database()
        if missed and strict:
            raise SystemExit(1)

    def run_bench(self, folder, largest, others, offices) -> bool:
        bench = self.bench
        bench.say("migrating a fresh database")
        bench.manage("migrate", "--noinput", check=True)
        codes = [code for code in _region_codes() if code != LARGEST][:offices - 1]
        if len(codes) < offices - 1:
            raise CommandError(f"the region table has {len(codes) + 1} offices, not {offices}")

        bench.say(f"office {LARGEST}: {largest:,} enrollments, {largest // 10:,} blanks and the queue built")
        setup = self.set_up(folder, [LARGEST], largest, printed=50)
        bench.vacuum()
        alone = self.time_pages(LARGEST)

        bench.say(f"{offices - 1} more offices of {others:,} enrollments each, stocked and built")
        more = self.set_up(folder, codes, others, printed=5)
        bench.vacuum()
        among = self.time_pages(LARGEST)
        small = self.time_pages(codes[0])

        enrollments = self.bench.sql_value("SELECT count(*) FROM registry_enrollment", [])
        jobs = self.bench.sql_value("SELECT count(*) FROM printing_printjob", [])
        self.stdout.write(machine_line(bench.server_version))
        self.stdout.write(f"office {LARGEST}: {largest:,} enrollments, {largest // 10:,} queued or printed; "
                          f"then {offices} offices: {enrollments:,} enrollments and {jobs:,} print jobs in all "
                          f"(set up in {setup:.0f} s and {more:.0f} s)")
        missed = False
        rows = []
        for label, (status, seconds, _first) in alone.items():
            status_among, seconds_among, _ = among[label]
            ok = status == status_among == 200 and seconds_among <= max(TARGET_RATIO * seconds, seconds + TARGET_SLACK)
            missed |= not ok
            rows.append((label, _ms(seconds), _ms(seconds_among), f"{seconds_among / seconds:.2f}x", _ms(small[label][1]),
                         "ok" if ok else f"MISSED (HTTP {status} / {status_among})" if status != 200 or status_among != 200 else "MISSED"))
        bench.write_table(("page", f"{LARGEST} alone", f"{LARGEST} among {offices} offices", "ratio",
                           f"a {others:,} office among {offices}", f"verdict (within {TARGET_RATIO}x or +{TARGET_SLACK * 1000:.0f} ms)"),
                          rows)
        self.stdout.write(f"Server time per page through Django's test client in a child process (DEBUG off), median of "
                          f"{self.runs} after one warm-up, as the office's head (public pages: a resident, no login). "
                          "VACUUM ANALYZE after each set-up, as autovacuum would do soon after.")
        return missed

    def set_up(self, folder, codes, enrollments, printed) -> float:
        script = SET_UP % {"codes": codes, "folder": str(folder), "enrollments": enrollments, "printed": printed}
        step = self.bench.manage("shell", "-c", script, check=True)
        return json.loads(step.out.strip().splitlines()[-1])["seconds"]

    def time_pages(self, code) -> dict:
        step = self.bench.manage("shell", "-c", PAGE_TIMER % {"code": code, "pages": PAGES, "runs": self.runs}, check=True)
        return json.loads(step.out.strip().splitlines()[-1])


def _ms(seconds) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _region_codes() -> list[str]:
    """Every region code the NIK table names, in order."""
    from registry.nik import region_name

    return [code for code in (f"{p:02d}{r:02d}" for p in range(11, 95) for r in range(1, 100)) if region_name(code)]
