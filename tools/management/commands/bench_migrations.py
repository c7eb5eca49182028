"""`make bench-migrations`: each migration since a release, on an office of millions, with a desk writing beside it.

A fresh database (named ektp_bench*) is migrated up to `--since` and filled
with `--enrollments` records of one office by SQL; then every later
migration runs on its own (`manage.py migrate APP NAME`) while a desk in
another connection, every 50 ms, updates one random record and takes the
office's ledger lock. Each migration's row says how long it took and the
longest that either write waited beside it: the target is that no table is
locked for more than a second.
"""
import os
import random
import threading
import time

from django.core.management.base import CommandError
from django.db.migrations.loader import MigrationLoader

from .bench import BENCH_PREFIX, Command as Bench, bench_url, connect_params, machine_line

DEFAULT_SINCE = "registry.0009_enrollment_mother_name"
TARGET_WAIT = 1.0
PROBE_EVERY = 0.05
FILL_SQL = """
INSERT INTO registry_enrollment (office_id, nik, name, birth_place, birth_date, sex, address, rt, rw, village, subdistrict,
                                 enrolled_on, mother_name, state, created_at)
SELECT %(office)s, '537101' || lpad(n::text, 10, '0'), 'Warga ' || n, 'Kupang', DATE '1950-01-01' + (n %% 20000),
       CASE WHEN n %% 2 = 0 THEN 'L' ELSE 'P' END, 'Jl. Timor Raya No. ' || (n %% 500), '001', '002', 'Oebobo', 'Oebobo',
       DATE '2016-01-01' + (n %% 1000), 'Ibu ' || n,
       CASE WHEN n %% 10 < 7 THEN 'collected' ELSE 'recorded' END, now()
FROM generate_series(%(first)s, %(last)s) AS n
"""
FILL_BATCH = 500_000


class Command(Bench):
    help = "Time each migration since --since on a database of --enrollments records, with desk writes beside it (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--enrollments", type=int, default=5_000_000, help="records of the one office (default 5,000,000)")
        parser.add_argument("--since", default=DEFAULT_SINCE, help=f"APP.MIGRATION the database starts from (default {DEFAULT_SINCE})")
        parser.add_argument("--database-url", default="", help=f"PostgreSQL server to use; the database is always a fresh {BENCH_PREFIX}*")
        parser.add_argument("--keep", action="store_true", help="keep the database afterwards")

    def handle(self, *args, enrollments, since, database_url, keep, **options):
        app, _dot, name = since.partition(".")
        if not name or enrollments < 1:
            raise CommandError("need --since APP.MIGRATION and --enrollments >= 1")
        self.url = bench_url(database_url or os.environ.get("DATABASE_URL", "")).replace(f"/{BENCH_PREFIX}", f"/{BENCH_PREFIX}_migrations", 1)
        self.params = connect_params(self.url)
        self.env = {**os.environ, "DATABASE_URL": self.url, "CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": ""}
        self.started = time.perf_counter()
        self.create_database()
        try:
            self.run(app, name, enrollments)
        finally:
            if keep:
                self.stdout.write(f"kept the database: {self.url}")
            else:
                self.drop_database()

    def run(self, app, name, enrollments):
        self.say(f"migrating a fresh database to {app}.{name}, and every app it does not need to the end")
        self.manage("migrate", "--noinput", app, name, check=True)
        for other, last in furthest_without(app, name).items():
            self.manage("migrate", "--noinput", other, last, check=True)
        office_id = self.fill(enrollments)
        plan = [line.split()[-1] for line in self.manage("showmigrations", "--plan", check=True).out.splitlines() if line.startswith("[ ]")]
        self.say(f"{len(plan)} migrations to run: {', '.join(plan)}")
        probe = Probe(self.connect, office_id, enrollments)
        probe.start()
        rows = []
        try:
            for migration in plan:
                self.say(f"running {migration}")
                start = time.perf_counter()
                self.manage("migrate", "--noinput", *migration.split("."), check=True)
                end = time.perf_counter()
                write, ledger = probe.longest(start, end)
                rows.append((migration, end - start, write, ledger))
        finally:
            probe.stop()
        self.stdout.write(machine_line(self.server_version))
        self.stdout.write(f"{enrollments:,} enrollments in one office; a desk write every {PROBE_EVERY * 1000:.0f} ms beside each migration")
        header = ("migration", "time", "longest record write beside it", "longest ledger lock beside it", "target", "result")
        table = [(migration, f"{seconds:.2f} s", f"{write * 1000:,.0f} ms", f"{ledger * 1000:,.0f} ms", f"waits < {TARGET_WAIT:.0f} s",
                  "ok" if max(write, ledger) < TARGET_WAIT else "MISSED") for migration, seconds, write, ledger in rows]
        self.write_table(header, table)
        if probe.errors:
            self.stdout.write(f"desk errors beside the migrations: {probe.errors[:3]}")

    def fill(self, enrollments) -> int:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'registry_office'")
            office = {"code": "5371", "name": "Kota Kupang", "address": "", "opening_hours": "", "request_lead_time_days": 30,
                      "time_zone": "Asia/Makassar"}  # the last from registry 0010 on
            columns = {row[0] for row in cursor.fetchall()}
            office = {column: value for column, value in office.items() if column in columns}
            cursor.execute(f"INSERT INTO registry_office ({', '.join(office)}) VALUES ({', '.join(['%s'] * len(office))}) RETURNING id",
                           list(office.values()))
            office_id = cursor.fetchone()[0]
            cursor.execute("INSERT INTO inventory_blankstock (office_id, on_hand, reserved, received, printed, spoiled, adjusted)"
                           " VALUES (%s, 0, 0, 0, 0, 0, 0)", [office_id])
        for first in range(1, enrollments + 1, FILL_BATCH):
            last = min(first + FILL_BATCH - 1, enrollments)
            self.say(f"filling records {first:,} to {last:,}")
            with self.connect() as conn, conn.cursor() as cursor:
                cursor.execute(FILL_SQL, {"office": office_id, "first": first, "last": last})
        self.say("VACUUM ANALYZE")
        self.vacuum()
        return office_id


def furthest_without(app, name) -> dict[str, str]:
    """For every other app, its newest migration that needs nothing of `app` after `name` (the state of that release)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    allowed = {node for node in graph.forwards_plan((app, name)) if node[0] == app}
    furthest = {}
    for leaf in graph.leaf_nodes():
        if leaf[0] == app:
            continue
        for node in graph.forwards_plan(leaf):
            if node[0] == leaf[0] and all(need[0] != app or need in allowed for need in graph.forwards_plan(node)):
                furthest[node[0]] = node[1]
    return furthest


class Probe(threading.Thread):
    """A desk in its own connection: every PROBE_EVERY, one record updated and the ledger lock taken, each timed."""

    def __init__(self, connect, office_id, records):
        super().__init__(daemon=True)
        self.connect, self.office_id, self.records = connect, office_id, records
        self.samples: list[tuple[float, float, str]] = []  # (started, waited, which)
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def run(self):
        conn = self.connect()
        conn.autocommit = True
        draw = random.Random(7)
        with conn.cursor() as cursor:
            cursor.execute("SET statement_timeout = '60s'")
            while not self.stopping.is_set():
                for which, statements in (
                    ("write", ["UPDATE registry_enrollment SET name = name WHERE id = (SELECT min(id) FROM registry_enrollment) + %s"
                               % draw.randrange(self.records)]),
                    ("ledger", ["BEGIN", f"SELECT 1 FROM inventory_blankstock WHERE office_id = {self.office_id} FOR UPDATE", "COMMIT"]),
                ):
                    start = time.perf_counter()
                    try:
                        for statement in statements:
                            cursor.execute(statement)
                    except Exception as error:  # a migration may drop and make what a desk touches: say it, go on
                        self.errors.append(f"{which}: {error}".strip())
                        conn.rollback()
                    self.samples.append((start, time.perf_counter() - start, which))
                self.stopping.wait(PROBE_EVERY)
        conn.close()

    def longest(self, start, end) -> tuple[float, float]:
        """The longest wait of each kind of write that was waiting at some moment of [start, end]."""
        waits = {"write": 0.0, "ledger": 0.0}
        for started, waited, which in list(self.samples):
            if started <= end and started + waited >= start:
                waits[which] = max(waits[which], waited)
        return waits["write"], waits["ledger"]

    def stop(self):
        self.stopping.set()
        self.join(timeout=120)
