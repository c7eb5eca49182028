"""Backups that restore: the README's procedure (deploy/backup.sh, deploy/restore.sh) run on an office's data.

A backup is only as good as its restore, so the test restores one into a fresh database and asks that
database what an office would ask: check_ledger is clean (the movement triggers came along) and the
stock report gives the figures it gave before.
"""
import json
import subprocess
from datetime import date

import pytest
from django.db import connection

from backlog import corrections
from backlog.desks import mark_printed, mark_spoiled, record_pickup
from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from printing.selectors import queue_in_print_order
from tests import factories as f
from tests.conftest import ROOT, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RESIDENTS = [("Yohanes Ndoen", date(2018, 1, 10)), ("Maria Bria", date(2018, 1, 20)),
             ("Petrus Tefa", date(2018, 2, 3)), ("Agustina Nalle", date(2018, 2, 14)), ("Fransiska Lay", date(2018, 3, 1))]


def a_morning_at_the_office(office, clerk, keeper, tmp_path):
    """Receipts, a built queue, prints, a spoiled card, a pickup and a correction, all through the services."""
    rows = [f.row(day, code=office.code, name=name) for name, day in RESIDENTS]
    import_enrollments(office=office, path=f.siak_file(tmp_path / "siak.csv", rows), by=clerk)
    receive_blanks(office=office, quantity=3, reference="470/012/DKPS/2018", by=keeper)
    receive_blanks(office=office, quantity=2, reference="470/013/DKPS/2018", by=keeper)
    build_print_queue(office=office, by=clerk)
    jobs = list(queue_in_print_order(office))
    printed = [mark_printed(job=job, by=clerk) for job in jobs[:3]]
    mark_spoiled(job=jobs[3], by=clerk, reason="Tinta luntur")
    record_pickup(job=printed[0], by=clerk)
    corrections.undo_printed(job=printed[2], by=clerk, reason="Salah klik, kartu masih di printer")


def test_a_backup_restores_into_a_fresh_database_with_a_clean_ledger_and_the_same_figures(
        kupang, clerk, keeper, tmp_path, run_command):
    a_morning_at_the_office(kupang, clerk, keeper, tmp_path)
    code, before, err = run_command("stock_report", "--office", "5371", "--json")
    assert code == 0, err
    assert json.loads(before)["printed"] == 2 and json.loads(before)["spoiled"] == 1

    dump = tmp_path / "ektp.dump"
    backup = subprocess.run([ROOT / "deploy" / "backup.sh", dump], env={"PATH": PG_PATH, "DATABASE_URL": database_url()},
                            capture_output=True, text=True)
    assert backup.returncode == 0, backup.stderr
    restored = f"{connection.settings_dict['NAME']}_restored"
    restored_url = database_url().rsplit("/", 1)[0] + f"/{restored}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        restore = subprocess.run([ROOT / "deploy" / "restore.sh", dump], env={"PATH": PG_PATH, "DATABASE_URL": restored_url},
                                 capture_output=True, text=True)
        assert restore.returncode == 0, restore.stderr
        assert run_command("check_ledger", env={"DATABASE_URL": restored_url})[:2] == (0, "ok 5371\n")
        code, after, err = run_command("stock_report", "--office", "5371", "--json", env={"DATABASE_URL": restored_url})
        assert code == 0, err
        assert json.loads(after) == json.loads(before)

        # A second restore into the same database is refused: a backup is never mixed into live data.
        again = subprocess.run([ROOT / "deploy" / "restore.sh", dump], env={"PATH": PG_PATH, "DATABASE_URL": restored_url},
                               capture_output=True, text=True)
        assert again.returncode == 2 and "fresh" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


# pg_dump and pg_restore of PostgreSQL 15 (the server's version), wherever Debian put them.
PG_PATH = "/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin"
