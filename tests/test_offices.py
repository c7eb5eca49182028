"""Many offices on one deployment, on PostgreSQL: no office's import, build or print click waits for another's,
and the sweep's one build per office runs on every worker there is.

An office's locks are its own (backlog.locks); what else an import takes on the
shared enrollment table (its statistics) must never make another office wait.
"""
import os
import re
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import redis
from django.db import connection

from backlog import imports
from backlog.desks import mark_printed
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from inventory.selectors import stock_report
from people.roles import Role, system_user
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from registry.models import Enrollment
from tests import factories as f
from config.celery import app
from tests.conftest import ROOT, database_url
from tests.writes import import_rows, new_residents

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# How long the other office is given for what takes it well under a second alone.
PATIENCE = 20


def office_with_queued_cards(code, tmp_path):
    """An office with a clerk, a keeper, 20 waiting records, 10 of them queued, and 10 blanks free for its next build."""
    office = f.office(code)
    clerk, keeper = f.person(office, Role.CLERK), f.person(office, Role.STOCK_KEEPER)
    f.enrollments(office, clerk, tmp_path, [date(2016, 1, day) for day in range(1, 21)])
    receive_blanks(office=office, quantity=10, reference="R1", by=keeper)
    build_print_queue(office=office, by=system_user())
    receive_blanks(office=office, quantity=10, reference="R2", by=keeper)
    return office


def lock_waits(within):
    """The sessions of this test's database waiting for a lock now: (their query, what holds it) each."""
    with within.cursor() as cursor:
        cursor.execute(
            "SELECT w.query, coalesce(string_agg(b.query, ' / '), '') FROM pg_stat_activity w"
            " LEFT JOIN pg_stat_activity b ON b.pid = ANY (pg_blocking_pids(w.pid))"
            " WHERE w.datname = current_database() AND w.wait_event_type = 'Lock' GROUP BY w.pid, w.query")
        return cursor.fetchall()


def run_in_thread(work, done, failed):
    def run():
        try:
            done.append(work())
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            failed.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def watch(thread, watcher):
    """Until `thread` ends (at most PATIENCE seconds): every lock wait seen on the database meanwhile, and whether it ended."""
    seen, deadline = [], time.monotonic() + PATIENCE
    while thread.is_alive() and time.monotonic() < deadline:
        seen += [wait for wait in lock_waits(watcher) if wait not in seen]
        if seen:  # waiting already: no need to wait for the deadline too
            thread.join(timeout=2)
            break
        thread.join(timeout=0.05)
    return seen, not thread.is_alive()


def test_an_office_imports_builds_and_prints_while_another_offices_big_import_is_still_running(tmp_path, monkeypatch, worker_away):
    """Kota Kupang's import of a big file is held open at its slowest part, before its final step; meanwhile
    Kabupaten Tangerang imports a file, builds its queue and prints a card, and none of it waits for a lock."""
    kupang, tangerang = f.office("5371"), office_with_queued_cards("3603", tmp_path)
    f.person(kupang, Role.CLERK)
    kupang_rows, tangerang_rows = new_residents(kupang, 400), new_residents(tangerang, 400)
    held, go_on = threading.Event(), threading.Event()
    prepare = imports.prepare_duplicate_cases

    def prepare_then_hold(*, office, **kwargs):
        reenrolled = prepare(office=office, **kwargs)
        if office.pk == kupang.pk:
            held.set()
            go_on.wait(timeout=60)
        return reenrolled

    def tangerang_at_work():
        imported = import_rows(tangerang, tangerang_rows)
        build = build_print_queue(office=tangerang, by=system_user())
        job = mark_printed(job=queue_in_print_order(tangerang).first(), by=f.person(tangerang, Role.CLERK))
        return imported.imported, build.queued, job.state

    monkeypatch.setattr(imports, "prepare_duplicate_cases", prepare_then_hold)
    kupang_done, tangerang_done, failed = [], [], []
    watcher = psycopg2.connect(database_url())
    watcher.autocommit = True
    importing = run_in_thread(lambda: import_rows(kupang, kupang_rows), kupang_done, failed)
    try:
        assert held.wait(timeout=PATIENCE), f"Kota Kupang's import never reached its final step: {failed}"
        working = run_in_thread(tangerang_at_work, tangerang_done, failed)
        waits, finished_meanwhile = watch(working, watcher)
    finally:
        go_on.set()
        importing.join(timeout=60)
        watcher.close()
    working.join(timeout=60)
    assert not failed, failed
    assert waits == [], f"Kabupaten Tangerang waited for a lock: {waits}"
    assert finished_meanwhile, "Kabupaten Tangerang's work did not finish while Kota Kupang's import ran"
    assert tangerang_done == [(400, 10, PrintJob.State.PRINTED)]
    assert kupang_done[0].imported == 400
    assert stock_report(kupang)["recorded"] == 400
    report = stock_report(tangerang)
    assert (report["recorded"], report["queued"], report["ready_for_pickup"]) == (400, 19, 1)


def test_an_import_does_not_wait_for_whatever_holds_the_enrollment_tables_statistics_lock(tmp_path, worker_away):
    """Autovacuum, another office's ANALYZE or an index built CONCURRENTLY hold SHARE UPDATE EXCLUSIVE on the table,
    for minutes at 5,000,000 rows: an import beside them goes through, and its statistics are gathered once it is free."""
    tangerang = f.office("3603")
    f.person(tangerang, Role.CLERK)
    done, failed = [], []
    holder = psycopg2.connect(database_url())
    watcher = psycopg2.connect(database_url())
    watcher.autocommit = True
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE registry_enrollment IN SHARE UPDATE EXCLUSIVE MODE")
        importing = run_in_thread(lambda: import_rows(tangerang, new_residents(tangerang, 400)), done, failed)
        waits, finished_meanwhile = watch(importing, watcher)
    finally:
        holder.rollback()
        holder.close()
        watcher.close()
    importing.join(timeout=60)
    assert not failed, failed
    assert waits == [], f"the import waited for a lock: {waits}"
    assert finished_meanwhile, "the import did not finish while the table's statistics lock was held"
    assert done[0].imported == 400

    import_rows(tangerang, new_residents(tangerang, 400))  # nobody holds the lock now
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'registry_enrollment'::regclass")
        assert cursor.fetchone()[0] == Enrollment.objects.count() == 800, "the table's statistics were not gathered after the import"


# The Redis database of the test's own workers: not CI's worker's (CELERY_BROKER_URL's), which would take tasks too.
OWN_WORKERS_REDIS_DB = 14
_TASK_DONE = re.compile(r"^\[(?P<at>[\d-]+ [\d:,]+): INFO/MainProcess\] Task backlog\.tasks\.build_print_queue_task\[[^]]+\] succeeded in (?P<seconds>[\d.]+)s")


def own_workers_broker():
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        message = "needs Redis: set CELERY_BROKER_URL to a redis:// URL (CI does)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return urlunsplit(urlsplit(broker)._replace(path=f"/{OWN_WORKERS_REDIS_DB}"))


def start_worker(name, broker, log):
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker, "REDIS_URL": broker, "CONN_MAX_AGE": "0"}
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--hostname", f"{name}@%h",
                             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def builds_run(log_path):
    """The queue builds a worker's log says it ran: (started, ended) each, from its lines "... succeeded in 0.12s"."""
    runs = []
    for line in log_path.read_text().splitlines():
        if found := _TASK_DONE.match(line):
            ended = datetime.strptime(found["at"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            runs.append((ended - float(found["seconds"]), ended))
    return runs


@pytest.mark.celery_worker
def test_the_sweep_asks_for_one_build_per_office_and_every_worker_takes_some_at_the_same_time(tmp_path, worker_away):
    """Eight offices with blanks free and cards waiting, two workers: the sweep's builds go to both, running side by side."""
    broker = own_workers_broker()
    offices = []
    for n in range(8):
        office = f.office(f"{1101 + n}")
        f.enrollments(office, f.person(office, Role.CLERK), tmp_path, [date(2016, 1, 1 + day % 28) for day in range(300)])
        receive_blanks(office=office, quantity=250, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
        offices.append(office)
    assert [stock_report(office)["queued"] for office in offices] == [0] * 8  # no worker yet
    queue = redis.Redis.from_url(broker)
    queue.flushdb()
    logs = {name: tmp_path / f"{name}.log" for name in ("worker1", "worker2")}
    workers = [start_worker(name, broker, open(path, "w")) for name, path in logs.items()]
    try:
        deadline = time.monotonic() + 60
        while not all(" ready." in path.read_text() for path in logs.values()):
            assert time.monotonic() < deadline, "the workers did not start: " + " | ".join(p.read_text()[-500:] for p in logs.values())
            assert all(worker.poll() is None for worker in workers), " | ".join(p.read_text()[-2000:] for p in logs.values())
            time.sleep(0.2)
        app.conf.task_always_eager = False
        try:
            with app.connection_for_write(broker) as sending:
                app.send_task("backlog.tasks.sweep_due_work", connection=sending)  # as beat does
        finally:
            app.conf.task_always_eager = True
        while [stock_report(office)["queued"] for office in offices] != [250] * 8 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        queue.flushdb()
    assert [stock_report(office)["queued"] for office in offices] == [250] * 8
    runs = {name: builds_run(path) for name, path in logs.items()}
    assert sum(len(done) for done in runs.values()) == 8, runs
    assert all(runs.values()), f"a worker took no build: {runs}"
    side_by_side = [(a, b) for a in runs["worker1"] for b in runs["worker2"] if a[0] < b[1] and b[0] < a[1]]
    assert side_by_side, f"no two builds ran at the same time: {runs}"
