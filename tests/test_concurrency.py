"""Many hands at once on PostgreSQL: parallel queue builds, receipts and double clicks."""
from datetime import date, timedelta
from functools import partial

import pytest

from inventory.selectors import stock_report
from backlog.ledger import receive_blanks
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from backlog.desks import mark_printed
from backlog.queue import build_print_queue
from registry.models import Enrollment, Role
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
