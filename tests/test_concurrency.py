"""Many hands at once on PostgreSQL: parallel queue builds, receipts and double clicks, desks beside an import."""
import threading
from datetime import date, timedelta
from functools import partial

import pytest
from django.db import connection, transaction

from inventory.selectors import stock_report
from backlog.ledger import receive_blanks
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from backlog import imports
from backlog.desks import mark_printed
from backlog.imports import import_enrollments
from backlog.suket import issue_suket
from backlog.queue import build_print_queue
from registry.models import DuplicateCase, Enrollment, EnrollmentState, Role
from tests import factories as f
from tests.conftest import database_url
from tests.parallel import in_threads_at_once, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUILD = ("build_print_queue", "--office", "5371")
RECEIVE = ("receive_blanks", "--office", "5371", "--quantity", "7", "--reference")


@pytest.fixture(autouse=True)
def builds_only_when_the_test_says(worker_away):
    """The builds a receipt or an import asks for do not run: the tests start them together."""


def setup_office(tmp_path, enrollments, blanks):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK)
    receive_blanks(office=office, quantity=blanks, reference="R0", by=clerk)
    start = date(2016, 1, 1)
    f.enrollments(office, clerk, tmp_path, [start + timedelta(days=i % 700) for i in range(enrollments)])
    return office, clerk


def test_parallel_builds_never_hand_out_a_blank_or_an_enrollment_twice(tmp_path):
    office, _ = setup_office(tmp_path, enrollments=600, blanks=250)
    assert stock_report(office)["queued"] == 0
    assert run_at_once(database_url(), [BUILD] * 6) == [0] * 6
    report = stock_report(office)
    assert (report["queued"], report["reserved"], report["on_hand"], report["available"]) == (250, 250, 250, 0)
    jobs = PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED)
    assert jobs.values("enrollment").distinct().count() == jobs.count() == 250
    oldest = list(Enrollment.objects.filter(office=office).order_by("enrolled_on", "id").values_list("id", flat=True)[:250])
    assert [job.enrollment_id for job in queue_in_print_order(office)] == oldest


def test_builds_racing_receipts_queue_exactly_what_arrived(tmp_path):
    office, _ = setup_office(tmp_path, enrollments=400, blanks=100)
    assert run_at_once(database_url(), [BUILD, RECEIVE + ("R-1",), BUILD, RECEIVE + ("R-2",), BUILD]) == [0] * 5
    build_print_queue(office=office)  # whatever arrived after the last build
    report = stock_report(office)
    assert report["on_hand"] == 114
    assert report["queued"] == report["reserved"] == 114


def test_the_same_print_click_sent_twice_at_the_same_moment_uses_one_blank(tmp_path):
    office, clerk = setup_office(tmp_path, enrollments=3, blanks=3)
    build_print_queue(office=office)
    job = queue_in_print_order(office).first()
    _, errors = in_threads_at_once([partial(mark_printed, job=job, by=clerk)] * 4)
    assert errors == []
    report = stock_report(office)
    assert (report["printed"], report["on_hand"], report["ready_for_pickup"]) == (1, 2, 1)


def test_the_desks_do_not_wait_while_an_import_puts_its_own_re_enrollments_on_hold(tmp_path, monkeypatch):
    """All an import does before its short final step leaves the desks free: the file's rows, and the cases and
    holds of the residents it re-enrolls. Held just before the final step, it lets a print click and a Suket for a
    re-enrolled resident's older record through at once (lock_timeout 2 s)."""
    office, clerk = setup_office(tmp_path, enrollments=3, blanks=3)
    build_print_queue(office=office)
    resident, twice_in_the_file = f.nik(), f.nik()
    f.enrollments(office, clerk, tmp_path, [date(2017, 1, 1)], number=resident)
    older = Enrollment.objects.get(nik=resident)
    path = f.siak_file(tmp_path / "again.csv", [f.row(date(2018, 1, 1), number=resident), f.row(date(2018, 2, 1), number=twice_in_the_file),
                                                f.row(date(2018, 3, 1), number=twice_in_the_file)])
    prepared, go_on, imported = threading.Event(), threading.Event(), []

    def prepare_then_wait(**kwargs):
        reenrolled = prepare(**kwargs)
        prepared.set()
        go_on.wait(timeout=30)
        return reenrolled

    def run_import():
        try:
            imported.append(import_enrollments(office=office, path=path, by=clerk))
        finally:
            connection.close()

    prepare = imports.prepare_duplicate_cases
    monkeypatch.setattr(imports, "prepare_duplicate_cases", prepare_then_wait)
    importing = threading.Thread(target=run_import)
    importing.start()
    try:
        assert prepared.wait(timeout=30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            printed = mark_printed(job=queue_in_print_order(office).first(), by=clerk)
            suket = issue_suket(enrollment=older, by=clerk)
    finally:
        go_on.set()
        importing.join(timeout=60)
    assert printed.state == PrintJob.State.PRINTED and suket.pk
    assert imported[0].duplicates == 2
    for nik in (resident, twice_in_the_file):
        case = DuplicateCase.objects.get(nik=nik, status=DuplicateCase.Status.OPEN)
        assert set(case.enrollments.values_list("state", flat=True)) == {EnrollmentState.ON_HOLD}
        assert case.enrollments.count() == 2
    assert stock_report(office)["on_hold"] == 4
