"""Many offices on one deployment, on PostgreSQL: no office's import, build or print click waits for another's.

An office's locks are its own (backlog.locks); what else an import takes on the
shared enrollment table (its statistics) must never make another office wait.
"""
import threading
import time
from datetime import date

import psycopg2
import pytest
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
from tests.conftest import database_url
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

