"""Celery: a receipt triggers the queue build after commit; beat rebuilds every office; a real worker does the work."""
import os
import time
from datetime import date

import pytest

from config.celery import app
from inventory.selectors import stock_report
from backlog.ledger import receive_blanks
from backlog.tasks import build_all_print_queues
from registry.models import Role
from tests import factories as f


@pytest.mark.django_db
def test_receiving_blanks_builds_the_queue_once_the_receipt_is_committed(tmp_path, django_capture_on_commit_callbacks):
    office = f.office("5371")
    keeper = f.user(office, Role.STOCK_KEEPER)
    f.enrollments(office, keeper, tmp_path, [date(2018, 1, 1), date(2018, 1, 2)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receive_blanks(office=office, quantity=1, reference="R1", by=keeper)
    assert stock_report(office)["queued"] == 0  # nothing before commit
    for callback in callbacks:
        callback()
    assert stock_report(office)["queued"] == 1


@pytest.mark.django_db
def test_the_periodic_build_queues_for_every_office(tmp_path):
    kupang, tangerang = f.office("5371"), f.office("3603")
    for office in (kupang, tangerang):
        keeper = f.user(office, Role.STOCK_KEEPER)
        receive_blanks(office=office, quantity=2, reference="R1", by=keeper)
        f.enrollments(office, keeper, tmp_path, [date(2017, 5, 1), date(2017, 5, 2), date(2017, 5, 3)])
    schedule = app.conf.beat_schedule["build-print-queues"]
    assert schedule["task"] == build_all_print_queues.name
    build_all_print_queues.delay()
    assert [stock_report(o)["queued"] for o in (kupang, tangerang)] == [2, 2]


def _worker_or_skip():
    if not os.environ.get("CELERY_BROKER_URL"):
        message = "needs a Celery worker on Redis: set CELERY_BROKER_URL and start one (CI does)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    replies = app.control.ping(timeout=5)
    if not replies:
        message = "no Celery worker answered on " + os.environ["CELERY_BROKER_URL"]
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_queue_after_blanks_arrive(tmp_path):
    _worker_or_skip()
    office = f.office("5371")
    keeper = f.user(office, Role.STOCK_KEEPER)
    f.enrollments(office, keeper, tmp_path, [date(2018, 4, d) for d in range(1, 21)])
    app.conf.task_always_eager = False
    try:
        receive_blanks(office=office, quantity=12, reference="470/88/2018", by=keeper)
        deadline = time.monotonic() + 60
        while stock_report(office)["queued"] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True
    report = stock_report(office)
    assert (report["queued"], report["reserved"], report["recorded"]) == (12, 12, 8)
